from django import forms


class RecordingsForm(forms.Form):
    hours = forms.IntegerField(min_value=1, max_value=72, required=False, initial=1)

    def clean_hours(self) -> int:
        return self.cleaned_data.get("hours") or 1


class ExportForm(forms.Form):
    start = forms.DateTimeField(help_text="UTC")
    end = forms.DateTimeField(help_text="UTC")
    reason = forms.CharField(max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            raise forms.ValidationError("the end must be after the start")
        return cleaned
