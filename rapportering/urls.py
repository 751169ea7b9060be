from rapportering.views import annual, dashboard, exports, forecast, imports, reports, signals

app_name = "rapportering"

urlpatterns = dashboard.urlpatterns
urlpatterns += reports.urlpatterns
urlpatterns += signals.urlpatterns
urlpatterns += forecast.urlpatterns
urlpatterns += annual.urlpatterns
urlpatterns += exports.urlpatterns
urlpatterns += imports.urlpatterns
