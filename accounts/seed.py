"""Reference data: Sichuan's jurisdictions and the bodies named by the measures (第五条, 第二十二条)."""

PROVINCE = ("510000", "四川省")
CITIES = [
    ("510100", "成都市"), ("510300", "自贡市"), ("510400", "攀枝花市"), ("510500", "泸州市"), ("510600", "德阳市"),
    ("510700", "绵阳市"), ("510800", "广元市"), ("510900", "遂宁市"), ("511000", "内江市"), ("511100", "乐山市"),
    ("511300", "南充市"), ("511400", "眉山市"), ("511500", "宜宾市"), ("511600", "广安市"), ("511700", "达州市"),
    ("511800", "雅安市"), ("511900", "巴中市"), ("512000", "资阳市"), ("513200", "阿坝藏族羌族自治州"),
    ("513300", "甘孜藏族自治州"), ("513400", "凉山彝族自治州"),
]
# (kind, name, short name)
BODIES = [
    ("leading_group", "四川省人民政府信息化建设领导小组", "领导小组"),
    ("leading_group_office", "领导小组办公室（省政府办公厅）", "领导小组办公室"),
    ("drc", "四川省发展和改革委员会", "省发展改革委"),
    ("finance", "四川省财政厅", "财政厅"),
    ("big_data_center", "四川省大数据中心", "省大数据中心"),
    ("cyberspace_office", "中共四川省委网络安全和信息化委员会办公室", "省委网信办"),
    ("secrecy_bureau", "四川省国家保密局", "省国家保密局"),
    ("cryptography_bureau", "四川省密码管理局", "省密码管理局"),
    ("economy_it_department", "四川省经济和信息化厅", "经济和信息化厅"),
    ("public_security", "四川省公安厅", "公安厅"),
    ("audit_office", "四川省审计厅", "审计厅"),
]


def seed_reference(Jurisdiction, Organisation):
    """Idempotent: used by the data migration and by the demo command."""
    province, _ = Jurisdiction.objects.get_or_create(code=PROVINCE[0], defaults={"name": PROVINCE[1], "level": "province"})
    for code, name in CITIES:
        Jurisdiction.objects.get_or_create(code=code, defaults={"name": name, "level": "city", "parent": province})
    for kind, name, short in BODIES:
        Organisation.objects.get_or_create(code=f"SC-{kind}", defaults={
            "name": name, "short_name": short, "kind": kind, "jurisdiction": province})
