"""Private links: the database keeps no usable key any more (see registrations.tokens).

Each registration gets a random nonce (its key is derived from it with PRIVATE_LINK_KEY, kept out of
the database); a key already sent is kept only as its SHA-256, so every link sent before still opens
its page. Stored e-mail bodies lose the key they held: the placeholder takes its place, and a message
still queued gets the derived key when it is sent.
"""

import base64
import hashlib
import secrets

from django.db import migrations, models

import registrations.models

PLACEHOLDER = "private-link-key"


def _nonce():
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


def keep_only_hashes(apps, schema_editor):
    Registration = apps.get_model("registrations", "Registration")
    Delivery = apps.get_model("registrations", "Delivery")
    for registration in Registration.objects.exclude(token=None).only("pk", "token").iterator(chunk_size=500):
        token = registration.token
        Registration.objects.filter(pk=registration.pk).update(
            legacy_token_hash=hashlib.sha256(token.encode()).hexdigest(), link_nonce=_nonce()
        )
        for delivery in Delivery.objects.filter(registration_id=registration.pk).only("body_text", "body_html"):
            if token in delivery.body_text or token in delivery.body_html:
                Delivery.objects.filter(pk=delivery.pk).update(
                    body_text=delivery.body_text.replace(token, PLACEHOLDER),
                    body_html=delivery.body_html.replace(token, PLACEHOLDER),
                )


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0009_delivery_request_id_and_to_send_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="link_nonce",
            field=models.CharField(editable=False, max_length=22, null=True),
        ),
        migrations.AddField(
            model_name="registration",
            name="legacy_token_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(keep_only_hashes, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(model_name="registration", name="token"),
        migrations.AlterField(
            model_name="registration",
            name="link_nonce",
            field=models.CharField(
                default=registrations.models.new_link_nonce, editable=False, max_length=22, null=True, unique=True
            ),
        ),
    ]
