from django import forms

from .models import ContactRole


class ContactForm(forms.Form):
    role = forms.ChoiceField(label="身份", choices=ContactRole.choices)
    name = forms.CharField(label="姓名", max_length=50)
    position = forms.CharField(label="职务", max_length=100, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False,
                                help_text="18 位，末位为校验码（GB 11643）；项目负责人必填")
    mobile = forms.CharField(label="手机号码", max_length=20)


class MobileForm(forms.Form):
    mobile = forms.CharField(label="手机号码", max_length=20)
