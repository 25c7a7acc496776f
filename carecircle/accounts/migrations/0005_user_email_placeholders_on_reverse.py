"""Nothing to do going forward; going back, accounts without an email get a placeholder address.

Before 0004 every account had a unique email address, so undoing 0004 needs one for each account made
by text. `.invalid` (RFC 2606) can never receive mail.
"""

from django.db import migrations


def give_placeholder_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(email="").only("pk").iterator():
        User.objects.filter(pk=user.pk).update(email=f"no-email-{user.pk}@accounts.invalid")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_email_optional"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, give_placeholder_addresses),
    ]
