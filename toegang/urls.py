"""URLs of the toegang app: each views module keeps its own ``urlpatterns``."""

from toegang.views import privacy, programs, referrals

app_name = "toegang"

urlpatterns = referrals.urlpatterns + privacy.urlpatterns + programs.urlpatterns
