from django.db import migrations


def create_contact_form(apps, schema_editor):
    Form = apps.get_model("enquiries", "Form")
    Form.objects.get_or_create(slug="contact", defaults={"name": "Contact form"})


class Migration(migrations.Migration):
    dependencies = [("enquiries", "0001_initial")]
    operations = [migrations.RunPython(create_contact_form, migrations.RunPython.noop)]
