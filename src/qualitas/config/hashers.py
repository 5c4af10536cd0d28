from django.contrib.auth.hashers import Argon2PasswordHasher


class TestArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with tiny costs, for the test suite only (thousands of hashes); never in production."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1
