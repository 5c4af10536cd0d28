from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "qualitas.training"
    label = "training"
    verbose_name = "Training and competence"
