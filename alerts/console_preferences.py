""" "My notifications": every signed-in console user sets their own notification preferences and
quiet hours (the row is their own, so no `alerts.configure` right is needed; admins still manage
everyone's in the admin). The model's own `clean()` validates."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from alerts.models import NotificationPreference
from alerts.services.preferences import preference_for

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferenceForm(forms.ModelForm):
    muted_types = forms.CharField(
        required=False,
        max_length=2000,
        label="Muted alert types",
        help_text="Comma separated, e.g. motion_detected, loitering",
    )

    class Meta:
        model = NotificationPreference
        fields = [
            "notifications_enabled",
            "email_enabled",
            "telegram_enabled",
            "whatsapp_enabled",
            "quiet_hours_enabled",
            "quiet_hours_start",
            "quiet_hours_end",
            "timezone",
        ]
        widgets = {"quiet_hours_start": TIME_INPUT, "quiet_hours_end": TIME_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        muted = [name for name, on in (self.instance.event_types or {}).items() if on is False]
        self.fields["muted_types"].initial = ", ".join(sorted(muted))

    def clean_muted_types(self) -> dict:
        names = [part.strip() for part in self.cleaned_data["muted_types"].split(",") if part.strip()]
        if any(len(name) > 50 for name in names):
            raise forms.ValidationError("An alert type has at most 50 characters.")
        return dict.fromkeys(names, False)

    def _post_clean(self):
        if "muted_types" in self.cleaned_data:
            self.instance.event_types = self.cleaned_data["muted_types"]
        super()._post_clean()


def my_notifications_view(request):
    preference = preference_for(request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your notification preferences are saved.")
        return redirect("admin:console_my_notifications")
    context = {**admin.site.each_context(request), "title": "My notifications", "form": form}
    return TemplateResponse(request, "admin/console/my_notifications.html", context, status=400 if form.errors else 200)
