from django import forms


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label="One-time code",
        max_length=20,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )
