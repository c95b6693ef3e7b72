"""The picture scale: five faces as inline SVG (no image from the network, CSP-clean)."""

from django.utils.safestring import SafeString, mark_safe

# value -> (mouth path, face fill): a frown through to a broad smile.
_FACES = {
    1: ("M15 31 Q24 22 33 31", "#f4a6a0"),
    2: ("M16 30 Q24 26 32 30", "#f8c9a0"),
    3: ("M16 29 L32 29", "#f6e3a1"),
    4: ("M16 27 Q24 32 32 27", "#cfe8b0"),
    5: ("M14 26 Q24 36 34 26", "#a9dcb5"),
}


def face_svg(value: int, *, size: int = 48) -> SafeString:
    mouth, fill = _FACES[value]
    return mark_safe(  # noqa: S308 (constant markup, no user input)
        f'<svg class="face-svg" width="{size}" height="{size}" viewBox="0 0 48 48" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'<circle cx="24" cy="24" r="21" fill="{fill}" stroke="#333" stroke-width="2"/>'
        f'<circle cx="17" cy="19" r="2.6" fill="#333"/><circle cx="31" cy="19" r="2.6" '
        f'fill="#333"/><path d="{mouth}" fill="none" stroke="#333" stroke-width="2.6" '
        f'stroke-linecap="round"/></svg>'
    )
