def load() -> None:
    from qualitas.accounts.models import Site
    from tests.throwaway.models import Suggestion
    from tests.throwaway.services import suggestion_create

    if not Suggestion.objects.exists():
        for site in Site.objects.order_by("code"):
            suggestion_create(actor=None, title=f"Label the gauges at {site.name}", site=site)
