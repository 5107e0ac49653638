"""URLs of the marketing area (signed in) and its public endpoints (``/t.js``, ``/t/``,
``/r/<code>``, each marked ``login_not_required`` in its view)."""

from django.urls import path

from handraise.marketing.views import assets, attribution, fit, links, site

urlpatterns = [
    path("marketing/attribution/", attribution.attribution_page, name="marketing-attribution"),
    path("marketing/fit/", fit.fit, name="marketing-fit"),
    # Tracked links: the builder, and the public redirect.
    path("marketing/links/", links.link_list, name="marketing-links"),
    path("marketing/links/<int:pk>/", links.link_detail, name="marketing-link"),
    path("marketing/links/<int:pk>/archive/", links.link_archive, name="marketing-link-archive"),
    path("marketing/links/<int:pk>/qr.svg", links.link_qr_svg, name="marketing-link-qr-svg"),
    path("marketing/links/<int:pk>/qr.png", links.link_qr_png, name="marketing-link-qr-png"),
    path("r/<str:code>", links.follow_link, name="link-redirect"),
    # The site script and its events, and the page that installs it.
    path("t.js", site.site_script, name="site-script"),
    path("t/", site.site_event, name="site-event"),
    path("marketing/site/", site.site_settings, name="marketing-site"),
    path("marketing/", assets.marketing_overview, name="marketing"),
    path("marketing/assets/", assets.asset_list, name="marketing-assets"),
    path("marketing/assets/new/", assets.asset_new, name="marketing-asset-new"),
    path("marketing/assets/<int:pk>/", assets.asset_edit, name="marketing-asset-edit"),
    path(
        "marketing/assets/<int:pk>/archive/", assets.asset_archive, name="marketing-asset-archive"
    ),
    path(
        "marketing/assets/<int:pk>/restore/", assets.asset_restore, name="marketing-asset-restore"
    ),
]
