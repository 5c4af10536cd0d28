def load() -> None:
    from qualitas.accounts.models import Site
    from qualitas.accounts.services import system_actor
    from tests.throwaway.models import Suggestion
    from tests.throwaway.services import suggestion_create

    if not Suggestion.objects.exists():
        for site in Site.objects.order_by("code"):
            suggestion_create(actor=system_actor(), title=f"Label the gauges at {site.name}", site=site)
