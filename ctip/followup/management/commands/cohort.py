"""`ctip cohort draw --org CODE --name NAME [--size 50] [--seed N] [--as-of DATE]` |
`ctip cohort verify ID` | `ctip cohort list`.

`verify` draws again from the frame as of the cohort's date with its recorded seed and says
whether the same survivors come out.
"""

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ctip.core.management.base import CtipCommand
from ctip.followup.models import Cohort
from ctip.followup.services import DEFAULT_COHORT_SIZE, cohort_draw, cohort_verify


class Command(CtipCommand):
    help = gettext_lazy("Draw a long-term cohort, list cohorts, or verify a draw.")
    cli_name = "cohort"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        draw = actions.add_parser("draw", help=_("draw a stratified random cohort"))
        self.add_org_argument(draw, required=True)
        draw.add_argument("--name", required=True)
        draw.add_argument("--size", type=int, default=DEFAULT_COHORT_SIZE)
        draw.add_argument("--seed", type=int, help=_("default: a fresh random seed"))
        draw.add_argument("--as-of", help=_("sampling frame as of YYYY-MM-DD (default today)"))
        verify = actions.add_parser("verify", help=_("repeat a draw and compare"))
        verify.add_argument("id", type=int)
        actions.add_parser("list", help=_("list cohorts"))

    def handle(self, *args, **options):
        getattr(self, f"handle_{options['action']}")(options)

    def handle_draw(self, options):
        organisation = self.resolve_org(options["org"])
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(_("--as-of must be a date, YYYY-MM-DD.")) from exc
        cohort = cohort_draw(
            origin=self.origin(f"draw {organisation.code}"),
            organisation=organisation,
            name=options["name"],
            size=options["size"],
            seed=options["seed"],
            as_of=as_of,
        )
        self.stdout.write(
            _("Cohort %(id)d drawn: %(n)d of %(frame)d survivors, seed %(seed)d.")
            % {
                "id": cohort.pk,
                "n": cohort.members.count(),
                "frame": cohort.frame_size,
                "seed": cohort.seed,
            }
        )

    def handle_verify(self, options):
        cohort = Cohort.objects.filter(pk=options["id"]).first()
        if cohort is None:
            raise CommandError(_("No cohort %(id)d.") % {"id": options["id"]})
        check = cohort_verify(cohort)
        self.stdout.write(
            _("Frame as of %(as_of)s: %(n)d survivors; %(frame)s. Same members: %(members)s.")
            % {
                "as_of": cohort.as_of,
                "n": check.frame_size,
                "frame": _("unchanged") if check.frame_matches else _("changed since the draw"),
                "members": _("yes") if check.members_match else _("no"),
            }
        )
        if not check.ok:
            raise CommandError(_("The draw does not repeat."))

    def handle_list(self, options):
        for cohort in Cohort.objects.select_related("organisation").order_by("id"):
            self.stdout.write(
                f"{cohort.pk:4}  {cohort.organisation.code:10} {cohort.as_of}  "
                f"seed {cohort.seed:<12} {cohort.members.count():4}  {cohort.name}"
            )
