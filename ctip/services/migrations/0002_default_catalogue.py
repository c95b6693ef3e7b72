from django.db import migrations

from ctip.services.catalogue import CATALOGUE, catalogue_ensure_defaults


def load(apps, schema_editor):
    catalogue_ensure_defaults(apps.get_model("services", "ServiceType"))


def unload(apps, schema_editor):
    apps.get_model("services", "ServiceType").objects.filter(
        code__in=[row[0] for row in CATALOGUE]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
