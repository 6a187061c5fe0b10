from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outreach', '0001_invitations_and_texts'),
    ]

    operations = [
        migrations.AddField(
            model_name='invitation',
            name='reminder_due_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='invitation',
            index=models.Index(fields=['sent_at'], name='invitation_sent_at'),
        ),
    ]
