from django import forms

from accounts.models import Organisation

from .models import ObligationKind, ObligationStatus


class ObligationFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + ObligationStatus.choices)
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部")] + ObligationKind.choices)
    year = forms.IntegerField(label="截止年度", required=False, min_value=2000, max_value=2100)
    organisation = forms.ModelChoiceField(label="义务单位", required=False, queryset=Organisation.objects.none(),
                                          empty_label="全部")
    q = forms.CharField(label="项目或事项", required=False, max_length=100)

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
        else:
            del self.fields["organisation"]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"status": data.get("status") or "", "kind": data.get("kind") or "", "year": data.get("year"),
                "organisation": data["organisation"].pk if data.get("organisation") else None,
                "q": (data.get("q") or "").strip()}


class WaiveForm(forms.Form):
    reason = forms.CharField(label="豁免理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000,
                             error_messages={"required": "请填写豁免理由"})
