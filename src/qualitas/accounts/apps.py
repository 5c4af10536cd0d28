from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qualitas.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisation"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from qualitas.accounts import roles
        from qualitas.accounts.plugins import register

        register()
        post_migrate.connect(roles.ensure_builtin_roles_after_migrate, sender=self)
