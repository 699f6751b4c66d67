"""Which rows a user may see or change: declared once per model, on its manager (NetBox's
`RestrictedQuerySet.restrict`, with ORIN's per-site rules).

Every model reachable through the admin, the console, the API, websockets, exports or media
declares a `Scope`, either on its own manager (`objects = scoped_manager(...)`) or, for
third-party models, with `register_scope`. Then `Model.objects.restrict(user, action, api_key)`
(or `.restrict()` on any of its querysets) is the one way in:

- the role matrix (`accounts.policy.can`) must grant the scope's resource and action;
- super_admin (and Django superusers) see every site; everyone else sees the rows of the sites
  assigned to them, and a device API key narrows further to its own sites and cameras;
- how a row reaches a site is the scope's kind: `camera` (a path to a camera), `site` (a path to
  a site), `via` (follows another scoped model), `rule` (a written rule of its own), `shared`
  (not bound to a site: the role alone decides) or `all_sites` (cross-site aggregates: only
  users who see every site).

A model without a scope cannot be restricted (ImproperlyConfigured), so it cannot be served by
accident; tests/access/test_isolation.py walks every registered model through every way in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from accounts import policy

SCOPES: dict[type[models.Model], Scope] = {}


@dataclass(frozen=True)
class Scope:
    """How a model's rows reach a site. Exactly one of camera / site / via / rule / shared /
    all_sites is set; `why` states the rule in words for the models that are not plainly
    site-bound (it is shown in docs/access.md and the isolation test's failures)."""

    resource: str
    camera: str | None = None  # ORM path to a camera FK, "pk" for the camera itself
    site: str | None = None  # ORM path to a site FK, "pk" for the site itself
    via: str | None = None  # FK to another scoped model whose visible rows decide
    rule: Callable[[models.QuerySet, Viewer], models.QuerySet] | None = None
    shared: bool = False
    all_sites: bool = False
    why: str = ""

    def __post_init__(self) -> None:
        kinds = [self.camera, self.site, self.via, self.rule, self.shared or None, self.all_sites or None]
        if sum(kind is not None for kind in kinds) != 1:
            raise ImproperlyConfigured(f"a Scope needs exactly one of camera/site/via/rule/shared/all_sites: {self}")
        if (self.rule or self.shared or self.via) and not self.why:
            raise ImproperlyConfigured(f"a rule, shared or via scope must say why: {self}")

    @property
    def kind(self) -> str:
        for name in ("camera", "site", "via", "rule"):
            if getattr(self, name) is not None:
                return name
        return "shared" if self.shared else "all_sites"


@dataclass
class Viewer:
    """A user (and device key) asking for one action: their sites and cameras, resolved once."""

    user: object
    action: str
    api_key: object = None
    _narrowed: tuple | None = field(default=None, repr=False)

    @cached_property
    def unrestricted(self) -> bool:
        return policy.is_unrestricted(self.user) and self._key_scope()[0] is None

    def _key_scope(self) -> tuple[set | None, set | None]:
        """(sites, cameras) a device key is narrowed to; (None, None) when it is not."""
        if self._narrowed is None:
            sites = cameras = None
            if self.api_key is not None:
                key_sites = set(self.api_key.sites.values_list("id", flat=True))
                key_cameras = set(self.api_key.cameras.values_list("id", flat=True))
                if key_sites or key_cameras:
                    sites, cameras = key_sites, key_cameras
            self._narrowed = (sites, cameras)
        return self._narrowed

    @cached_property
    def camera_ids(self) -> list | None:
        """Cameras the viewer may see; None means all of them. A literal list on purpose: on the
        big time-series tables it lets PostgreSQL walk the time index and stop at the page
        size, where a join through cameras → dvrs → sites reads every matching row first
        (2.6 s vs 9 ms at 10 M events)."""
        from surveillance.models import Camera

        if self.unrestricted:
            return None
        cameras = Camera.objects.all()
        user_sites = policy.site_ids_for(self.user)
        if user_sites is not None:
            cameras = cameras.filter(dvr__site_id__in=user_sites)
        key_sites, key_cameras = self._key_scope()
        if key_sites is not None:
            cameras = cameras.filter(models.Q(dvr__site_id__in=key_sites) | models.Q(id__in=key_cameras))
        return list(cameras.values_list("id", flat=True))

    @cached_property
    def site_ids(self) -> set | None:
        """Sites the viewer may see; None means all. A key narrowed to cameras sees their sites."""
        if self.unrestricted:
            return None
        sites = policy.site_ids_for(self.user)
        key_sites, key_cameras = self._key_scope()
        if key_sites is not None:
            from surveillance.models import Camera

            narrowed = key_sites | set(Camera.objects.filter(id__in=key_cameras).values_list("dvr__site_id", flat=True))
            sites = narrowed if sites is None else sites & narrowed
        return sites


def scope_of(model: type[models.Model]) -> Scope:
    model = model._meta.concrete_model if model._meta.proxy else model
    try:
        return SCOPES[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no access scope: give it `objects = scoped_manager(...)` "
            "(accounts.scoping) or register_scope() it"
        ) from None


def has_scope(model: type[models.Model]) -> bool:
    return (model._meta.concrete_model if model._meta.proxy else model) in SCOPES


def register_scope(model: type[models.Model], scope: Scope) -> None:
    """For models whose manager we do not write (third-party apps)."""
    SCOPES[model] = scope


def allowed(user, scope: Scope, action: str) -> bool:
    return policy.can(user, scope.resource, action)


def apply_scope(queryset: models.QuerySet, viewer: Viewer) -> models.QuerySet:
    """The rows of `queryset` the viewer may act on; the role matrix is not consulted here."""
    scope = scope_of(queryset.model)
    if scope.shared:
        return queryset
    if viewer.unrestricted:
        return queryset
    if scope.all_sites:
        return queryset.none()
    if scope.camera is not None:
        return queryset.filter(**{f"{scope.camera}__in": viewer.camera_ids})
    if scope.site is not None:
        return queryset.filter(**{f"{scope.site}__in": viewer.site_ids})
    if scope.via is not None:
        related = queryset.model._meta.get_field(scope.via).related_model
        visible = apply_scope(related._default_manager.all(), viewer)
        return queryset.filter(**{f"{scope.via}__in": visible.values("pk")})
    return scope.rule(queryset, viewer)


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "read", api_key=None) -> ScopedQuerySet:
        """The rows `user` (through `api_key`, if any) may `action`: none without the role's
        permission, else those of the user's (and key's) sites by the model's scope."""
        scope = scope_of(self.model)
        if not allowed(user, scope, action):
            return self.none()
        return apply_scope(self, Viewer(user, action, api_key))


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    def __init__(self, scope: Scope | None = None) -> None:
        # Related managers subclass the default manager and call __init__() without a scope.
        super().__init__()
        self.scope = scope

    def deconstruct(self):
        # Migrations rebuild a plain manager; the scope only matters at run time.
        return (False, "django.db.models.Manager", None, (), {})

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        if self.scope is not None and not cls._meta.abstract:
            SCOPES[cls] = self.scope


def scoped_manager(resource: str, *, queryset: type[ScopedQuerySet] = ScopedQuerySet, **scope) -> ScopedManager:
    """`objects = scoped_manager("events", camera="camera")` — see `Scope` for the kinds."""
    manager_class = ScopedManager if queryset is ScopedQuerySet else ScopedManager.from_queryset(queryset)
    return manager_class(Scope(resource, **scope))


def restrict(queryset: models.QuerySet, user, action: str = "read", api_key=None) -> models.QuerySet:
    """`restrict()` for a queryset of any scoped model, including third-party ones whose
    querysets are not ScopedQuerySets."""
    if isinstance(queryset, ScopedQuerySet):
        return queryset.restrict(user, action, api_key)
    scope = scope_of(queryset.model)
    if not allowed(user, scope, action):
        return queryset.none()
    return apply_scope(queryset, Viewer(user, action, api_key))


def visible_site_ids(user, api_key=None) -> set | None:
    """The sites `user` may see (None: all) — for choices and forms, not for narrowing rows."""
    return Viewer(user, "read", api_key).site_ids


def describe_scopes() -> str:
    """Every scoped model as a Markdown table row: model, resource, kind, and the written reason."""
    from django.apps import apps

    rows = []
    for model in apps.get_models():
        if not has_scope(model):
            continue
        scope = scope_of(model)
        path = scope.camera or scope.site or scope.via or ""
        rows.append(
            f"| `{model._meta.label}` | `{scope.resource}` | {scope.kind}{f' `{path}`' if path else ''} | {scope.why} |"
        )
    return "\n".join(["| model | resource | scope | rule |", "|---|---|---|---|", *sorted(rows)])
