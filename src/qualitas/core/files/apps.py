from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "qualitas.core.files"
    label = "files"
