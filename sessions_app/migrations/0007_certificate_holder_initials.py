from django.db import migrations, models


def fill_initials(apps, schema_editor):
    """Certificates issued before this field get their holder's initials from the registration."""
    Certificate = apps.get_model("sessions_app", "Certificate")
    for certificate in Certificate.objects.select_related("registration").filter(holder_initials=""):
        name = certificate.registration.full_name
        certificate.holder_initials = " ".join(f"{part[0].upper()}." for part in name.split() if part[:1].isalpha())
        certificate.save(update_fields=["holder_initials"])


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0006_certificates_and_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="holder_initials",
            field=models.CharField(blank=True, editable=False, max_length=40, verbose_name="holder's initials"),
        ),
        migrations.RunPython(fill_initials, migrations.RunPython.noop),
    ]
