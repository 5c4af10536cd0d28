"""Loading the demo hashes the demo password once per person, yet still refuses a wrong password."""

from qualitas.accounts.models import User
from qualitas.demo import _each_password_hashed_once


def test_a_matched_password_is_not_hashed_again_and_a_wrong_one_is_still_refused(db):
    user = User.objects.create_user(username="signer", password="right-password-1")
    with _each_password_hashed_once():
        assert not user.check_password("wrong-password")
        assert user.check_password("right-password-1")
        user.password = "!unusable"  # what was remembered is the pair (stored hash, password)
        assert not user.check_password("right-password-1")
        user.set_password("new-password-22")
        assert user.check_password("new-password-22") and not user.check_password("right-password-1")
    assert User.check_password.__qualname__ == "AbstractBaseUser.check_password"  # restored
