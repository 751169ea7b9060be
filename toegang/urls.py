"""URLs of the toegang app: each views module keeps its own ``urlpatterns``."""

from toegang.views import households, privacy, programs, referrals

app_name = "toegang"

urlpatterns = (
    referrals.urlpatterns + households.urlpatterns + privacy.urlpatterns + programs.urlpatterns
)
