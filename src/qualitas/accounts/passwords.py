"""Password validators of our own, next to Django's (settings.AUTH_PASSWORD_VALIDATORS): passwords
made of one character or a short pattern repeated, and the published demo password outside demo mode.
They run wherever a password is set: accounts.services.user_create / user_set_password and Django's
password change form all call validate_password()."""

from __future__ import annotations

import re
from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError

REPEATED_PATTERN = re.compile(r"^(.+?)\1+$", re.DOTALL)
# The same as qualitas.demo.DEMO_PASSWORD (a test checks it); not imported, as accounts must not
# depend on the demo loader, which imports every module.
DEMO_PASSWORD = "qualitas-demo"  # noqa: S105 - the published demo credential, refused here


class RepeatedCharacterValidator:
    """Refuse `aaaaaaaaaaaa`, `abcabcabcabc`, `aaaaaaaaaaab`: fewer than `min_unique` different
    characters, one character making up more than half of the password, or a shorter sequence
    repeated. Such passwords pass a length check but fall to the first guesses of any attack."""

    def __init__(self, min_unique: int = 5):
        self.min_unique = min_unique

    def validate(self, password: str, user=None) -> None:
        counts = Counter(password)
        if (
            len(counts) < self.min_unique
            or (password and counts.most_common(1)[0][1] * 2 > len(password))
            or REPEATED_PATTERN.match(password)
        ):
            raise ValidationError(
                "This password repeats the same characters: use at least %(min_unique)d different "
                "characters and no repeated pattern.",
                code="password_repeated_characters",
                params={"min_unique": self.min_unique},
            )

    def get_help_text(self) -> str:
        return f"Your password must use at least {self.min_unique} different characters and repeat no pattern."


class DemoPasswordValidator:
    """The demo password is published in the README and printed by `qualitas serve --demo`: refused
    outside demo mode (settings.DEMO_MODE, environment variable QUALITAS_DEMO)."""

    def validate(self, password: str, user=None) -> None:
        if not settings.DEMO_MODE and password.strip().lower() == DEMO_PASSWORD:
            raise ValidationError(
                "This is the published demo password: choose another one.", code="password_is_demo_password"
            )

    def get_help_text(self) -> str:
        return "Your password cannot be the published demo password."


class ContainsUsernameValidator:
    """Refuse a password that contains the username (`pwuser123456` for pwuser): Django's similarity
    check lets a username plus a few digits through at its usual threshold, and a stricter threshold
    would refuse good passphrases that merely share some letters with the username."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError("The password must not contain your username.", code="password_contains_username")

    def get_help_text(self) -> str:
        return "Your password must not contain your username."
