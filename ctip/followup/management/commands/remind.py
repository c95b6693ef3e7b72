"""`ctip remind`: each case worker's follow-ups due in the next 14 days and overdue, printed,
and e-mailed when mail is configured. Meant to run once a day (cron, see docs/followup.md).

It first runs the daily housekeeping (`followup_sync`): pending follow-ups of survivors who
withdrew follow-up consent are cancelled, new schedules are planned, and survivors unreachable
on every route for too long become lost to follow-up. Reminders name survivors by code only.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ctip.core.audit import Action, audit_write
from ctip.core.management.base import CtipCommand
from ctip.followup.selectors import REMINDER_DAYS, due_for_reminder
from ctip.followup.services import followup_sync

DEFAULT_SMTP = "django.core.mail.backends.smtp.EmailBackend"


def mail_configured() -> bool:
    """Mail is configured when a backend other than Django's default SMTP-to-localhost is set,
    or SMTP points at a real host."""
    backend = settings.EMAIL_BACKEND
    if backend != DEFAULT_SMTP:
        return True
    return settings.EMAIL_HOST not in ("", "localhost", "127.0.0.1")


def followup_line(followup, today: dt.date) -> str:
    what = (
        _("month %(month)d") % {"month": followup.month}
        if followup.month
        else str(followup.get_schedule_display())
    )
    late = (today - followup.due_on).days
    status = (
        ngettext("%(n)d day overdue", "%(n)d days overdue", late) % {"n": late}
        if late > 0
        else _("due")
    )
    return f"  {followup.due_on:%Y-%m-%d}  {followup.survivor.code}  {what}  {status}"


class Command(CtipCommand):
    help = gettext_lazy(
        "List (and e-mail, when mail is configured) each case worker's follow-ups due in the "
        "next 14 days and overdue. Run it daily."
    )
    cli_name = "remind"

    def add_arguments(self, parser):
        self.add_org_argument(parser)
        parser.add_argument(
            "--days",
            type=int,
            default=REMINDER_DAYS,
            help=_("how many days ahead (default 14)"),
        )
        parser.add_argument("--today", help=_("the day to remind for, YYYY-MM-DD (default: today)"))
        parser.add_argument("--no-sync", action="store_true", help=_("skip the daily housekeeping"))
        mail = parser.add_mutually_exclusive_group()
        mail.add_argument("--email", action="store_true", help=_("e-mail even if unsure"))
        mail.add_argument("--no-email", action="store_true", help=_("only print"))

    def handle(self, *args, **options):
        scope = self.resolve_org(options["org"])
        if options["days"] < 0:
            raise CommandError(_("--days cannot be negative."))
        try:
            today = dt.date.fromisoformat(options["today"]) if options["today"] else None
        except ValueError as exc:
            raise CommandError(_("--today must be a date, YYYY-MM-DD.")) from exc
        today = today or timezone.localdate()
        origin = self.origin(scope.code if scope else "")
        if not options["no_sync"]:
            summary = followup_sync(origin=origin, scope=scope, today=today)
            self.stdout.write(
                _(
                    "Housekeeping: %(planned)d follow-ups planned for %(scheduled)d survivors, "
                    "%(cancelled)d cancelled (consent withdrawn), %(lost)d survivors lost to "
                    "follow-up."
                )
                % vars(summary)
            )
        email = options["email"] or (mail_configured() and not options["no_email"])
        grouped = due_for_reminder(scope=scope, today=today, days=options["days"])
        sent = total = 0
        for worker, followups in sorted(
            grouped.items(), key=lambda pair: pair[0].username if pair[0] else "~"
        ):
            overdue = sum(1 for f in followups if f.due_on < today)
            total += len(followups)
            if worker is None:
                orgs = sorted({f.survivor.organisation.code for f in followups})
                head = _("No case worker assigned (%(orgs)s)") % {"orgs": ", ".join(orgs)}
            else:
                head = f"{worker.username} ({worker.get_full_name() or worker.username})"
            summary_line = _(
                "%(head)s: %(overdue)d overdue, %(due)d due in the next %(days)d days"
            ) % {
                "head": head,
                "overdue": overdue,
                "due": len(followups) - overdue,
                "days": options["days"],
            }
            lines = [followup_line(f, today) for f in followups]
            self.stdout.write(summary_line)
            for line in lines:
                self.stdout.write(line)
            if email and worker is not None and worker.email:
                send_mail(
                    subject=_("ctip: %(overdue)d follow-ups overdue, %(due)d due soon")
                    % {"overdue": overdue, "due": len(followups) - overdue},
                    message="\n".join(
                        [
                            summary_line,
                            "",
                            *lines,
                            "",
                            _("Open ctip's Follow-up page to record them."),
                        ]
                    ),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[worker.email],
                )
                sent += 1
        if not grouped:
            self.stdout.write(_("Nothing due."))
        audit_write(
            origin=origin,
            action=Action.EXPORT,
            object_type="followup_reminders",
            organisation_code=scope.code if scope else "",
            detail={
                "workers": len(grouped),
                "followups": total,
                "emailed": sent,
                "days": options["days"],
            },
        )
        if sent:
            self.stdout.write(
                ngettext("%(n)d reminder e-mailed.", "%(n)d reminders e-mailed.", sent)
                % {"n": sent}
            )
