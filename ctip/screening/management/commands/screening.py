"""`ctip screening audio [--lang CODE ...] [--force]`: speak the self-screen's questions into
WAV files with espeak-ng (offline). `ctip screening voices`: which languages have a voice."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from ctip.core.management.base import CtipCommand
from ctip.screening import audio
from ctip.screening.questionnaire import LANGUAGES, language_names


class Command(CtipCommand):
    help = _("Identification screening: make the questions' audio, list the voices.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        make = sub.add_parser("audio", help=str(_("speak every question into WAV files")))
        make.add_argument("--lang", action="append", choices=LANGUAGES, help="language code")
        make.add_argument("--force", action="store_true", help=str(_("remake existing files")))
        sub.add_parser("voices", help=str(_("which languages have an espeak-ng voice")))

    def handle(self, *args, **options):
        if options["action"] == "voices":
            names = language_names()
            for code in LANGUAGES:
                voice = audio.VOICES.get(code)
                state = (
                    _("audio ready") if audio.audio_ready(code)
                    else _("voice %(voice)s, audio not made yet") % {"voice": voice} if voice
                    else _("no espeak-ng voice: text only")
                )  # fmt: skip
                self.stdout.write(f"{code}  {names[code]:<10} {state}")
            return
        try:
            reports = audio.audio_generate(
                languages=options["lang"] or LANGUAGES, force=options["force"]
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        for report in reports:
            self.stdout.write(
                _("%(lang)s (voice %(voice)s): %(written)d written, %(kept)d kept")
                % {
                    "lang": report.language,
                    "voice": report.voice,
                    "written": report.written,
                    "kept": report.kept,
                }
            )
        silent = [code for code in (options["lang"] or LANGUAGES) if not audio.has_voice(code)]
        if silent:
            self.stdout.write(
                _("No espeak-ng voice for: %(langs)s (the page shows their text only).")
                % {"langs": ", ".join(silent)}
            )
        self.stdout.write(_("Files are in %(dir)s") % {"dir": audio.audio_root()})
