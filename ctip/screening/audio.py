"""Audio of each question for the self-screen, made offline with espeak-ng.

espeak-ng (the Debian package; no network, no model download) has voices for English, Thai,
Bengali, Nepali and Burmese, and none for Khmer or Lao: for those the page says so and shows
the text only. `ctip screening audio` writes one WAV file per language, questionnaire version
and text (the age question, each item) under ``CTIP_DATA_DIR/screening-audio/v<N>/<lang>/``;
the self-screen serves them through a traceless view. Files are made from the data files, so a
reviewed translation is re-spoken with ``--force``.
"""

import shutil
import subprocess  # noqa: S404 (espeak-ng is called with a fixed argument list, no shell)
import wave
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ctip.screening.questionnaire import CURRENT_VERSION, LANGUAGES, structure, texts

# Our language code -> espeak-ng voice. Khmer and Lao have none in espeak-ng 1.51.
VOICES: dict[str, str] = {"en": "en-gb", "th": "th", "bn": "bn", "ne": "ne", "my": "my"}
SPEED_WPM = 140  # slower than espeak's 175: listeners may not read well, phones are noisy
AGE_CLIP = "age"


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


def audio_root() -> Path:
    return Path(settings.DATA_DIR) / "screening-audio"


def clip_ids(version: int = CURRENT_VERSION) -> tuple[str, ...]:
    return (AGE_CLIP, *structure(version).item_ids)


def clip_path(language: str, clip: str, version: int = CURRENT_VERSION) -> Path:
    return audio_root() / f"v{version}" / language / f"{clip}.wav"


def clip_text(language: str, clip: str, version: int = CURRENT_VERSION) -> str:
    words = texts(language, version).texts
    if clip == AGE_CLIP:
        age = words["age"]
        return f"{age['question']} {age['under_18']}. {age['adult']}. {age['not_sure']}."
    return words["items"][clip]


def has_voice(language: str) -> bool:
    return language in VOICES


def audio_ready(language: str, version: int = CURRENT_VERSION) -> bool:
    """Every clip of the language exists (the page offers audio only then)."""
    return has_voice(language) and all(
        clip_path(language, clip, version).is_file() for clip in clip_ids(version)
    )


def _espeak(binary: str, voice: str, text: str, out: Path) -> bool:
    result = subprocess.run(  # noqa: S603 (fixed arguments, the text passed as one argument)
        [binary, "-v", voice, "-s", str(SPEED_WPM), "-w", str(out), "--", text],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return result.returncode == 0 and out.is_file()


def _speak(binary: str, voice: str, text: str, out: Path) -> None:
    """Speak ``text`` into ``out``. espeak-ng 1.51 crashes on some long Burmese sentences, so
    when the whole text fails it is spoken phrase by phrase (whitespace-separated, as Burmese
    writes phrases) and the pieces are joined with a short pause."""
    if _espeak(binary, voice, text, out):
        return
    params, frames = None, []
    piece = out.with_suffix(".part")
    for phrase in text.split():
        if not _espeak(binary, voice, phrase, piece):
            raise RuntimeError(f"espeak-ng ({voice}) cannot speak: {phrase!r}")
        with wave.open(str(piece), "rb") as reader:
            params = params or reader.getparams()
            frames.append(reader.readframes(reader.getnframes()))
            pause = b"\x00" * (params.sampwidth * params.nchannels * params.framerate // 8)
            frames.append(pause)
    piece.unlink(missing_ok=True)
    if params is None:
        raise RuntimeError("nothing to speak")
    with wave.open(str(out), "wb") as writer:
        writer.setparams(params)
        writer.writeframes(b"".join(frames))


@dataclass(frozen=True)
class AudioReport:
    language: str
    voice: str
    written: int
    kept: int


def audio_generate(
    *, languages=LANGUAGES, version: int = CURRENT_VERSION, force: bool = False
) -> list[AudioReport]:
    """Speak every clip of every language that has a voice; existing files are kept unless
    ``force``. Raises RuntimeError when espeak-ng is not installed or fails."""
    binary = espeak_binary()
    if binary is None:
        raise RuntimeError(
            "espeak-ng is not installed (Debian: apt-get install espeak-ng); audio not made."
        )
    reports = []
    for language in languages:
        voice = VOICES.get(language)
        if voice is None:
            continue
        written = kept = 0
        for clip in clip_ids(version):
            path = clip_path(language, clip, version)
            if path.is_file() and not force:
                kept += 1
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            _speak(binary, voice, clip_text(language, clip, version), tmp)
            tmp.replace(path)
            written += 1
        reports.append(AudioReport(language=language, voice=voice, written=written, kept=kept))
    return reports
