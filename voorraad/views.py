from django.shortcuts import render

from kern.models import Location
from kern.permissions import role_required


@role_required("kern.manage_stock")
def stock_overview(request):
    """Stock per location (the catalogue and ledger come with the voorraad issue)."""
    locations = Location.objects.filter(is_active=True).select_related("municipality")
    return render(request, "voorraad/stock_overview.html", {"locations": locations})
