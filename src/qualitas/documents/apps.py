from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "qualitas.documents"
    label = "documents"
    verbose_name = "Document control"
