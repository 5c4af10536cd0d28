from django import forms

from qualitas.core.notifications.models import DELIVERY_CHOICES


class PreferenceForm(forms.Form):
    email = forms.BooleanField(required=False, label="Send me notifications by email as well")
    delivery = forms.ChoiceField(choices=DELIVERY_CHOICES, widget=forms.RadioSelect, label="Email delivery")
