"""Validation of what the pages accept. The rules themselves live in the services they call."""

from __future__ import annotations

from django import forms
from django.conf import settings

from registry.selectors import ORDERINGS

ORDERING_LABELS = {
    "-score": "Trust score, highest first",
    "score": "Trust score, lowest first",
    "name": "Name, A to Z",
    "-name": "Name, Z to A",
    "-context_length": "Context, largest first",
    "context_length": "Context, smallest first",
    "prompt_price": "Prompt price, cheapest first",
    "-prompt_price": "Prompt price, dearest first",
    "-updated_at": "Recently updated",
}
assert set(ORDERING_LABELS) <= set(ORDERINGS)


class MatchForm(forms.Form):
    q = forms.CharField(label="What do you need a model for?", max_length=2000, required=False)


class VerifyForm(forms.Form):
    document = forms.CharField(
        label="Paste a passport document (JSON, as served by /api/v1/passport/<slug>)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        strip=False,
    )
    upload = forms.FileField(label="…or upload a .json file", required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        upload = cleaned.get("upload")
        text = cleaned.get("document") or ""
        if upload is not None:
            if upload.size is not None and upload.size > settings.PASSPORT_MAX_BYTES:
                raise forms.ValidationError(
                    f"the file is {upload.size} bytes; the limit is "
                    f"{settings.PASSPORT_MAX_BYTES} bytes (1 MiB)"
                )
            cleaned["raw"] = upload.read(settings.PASSPORT_MAX_BYTES + 1)
        elif isinstance(text, str) and text.strip():
            cleaned["raw"] = text.encode("utf-8")
        else:
            raise forms.ValidationError("paste a document or choose a file")
        if len(cleaned["raw"]) > settings.PASSPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"the document is larger than the limit of {settings.PASSPORT_MAX_BYTES} bytes (1 MiB)"
            )
        return cleaned


class ClaimStartForm(forms.Form):
    public_key = forms.CharField(
        label="Your Ed25519 public key (standard base64 of the 32 raw bytes)",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    contact = forms.CharField(
        label="How staff can reach you (optional: email or URL)", max_length=200, required=False
    )


class ClaimSignForm(forms.Form):
    signature = forms.CharField(
        label="Signature of the challenge (standard base64 of the 64 bytes)",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
