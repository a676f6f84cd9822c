"""What the project's own admin pages share."""


def page_context(model_admin, request, **values):
    """The context of an extra admin page of ``model_admin``: the site's (header, sidebar, user
    links), the model's ``opts`` for the breadcrumbs, then ``values`` (a ``title`` at least)."""
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta, **values}
