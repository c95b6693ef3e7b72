"""The `ctip` console script: Django's management commands with ctip's settings.

Command names that are not valid Python module names map to their modules here.
"""

import os
import sys

ALIASES = {
    "rotate-keys": "rotate_keys",
    "import": "import_records",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctip.settings.dev")
    args = list(sys.argv if argv is None else ["ctip", *argv])
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
