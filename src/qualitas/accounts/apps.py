from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qualitas.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisation"
