"""`ctip import organisations`: nodes of the tree, parents named by code (in the file or not)."""

from django.utils.translation import gettext as _

from ctip.cases.models import Survivor
from ctip.core.models import ALLOWED_PARENT_KINDS, Organisation, OrganisationKind, ProviderType
from ctip.core.services import organisation_create, organisation_update
from ctip.interop.importers import base
from ctip.interop.importers.base import CREATE, INVALID, UNCHANGED, UPDATE, Importer, Planned, Row

# Writing in this order puts every parent before its children: the placement rules make each
# kind's parent a kind that comes earlier here.
KIND_ORDER = {
    OrganisationKind.IMPLEMENTER: 0,
    OrganisationKind.COUNTRY_PROJECT: 1,
    OrganisationKind.PARTNER: 2,
    OrganisationKind.SITE: 3,
    OrganisationKind.PROVIDER: 3,
}
SURVIVOR_KINDS = {OrganisationKind.PARTNER, OrganisationKind.SITE}


class OrganisationImporter(Importer):
    kind = "organisations"
    field_columns = {
        "code": "code",
        "name": "name",
        "kind": "kind",
        "parent": "parent",
        "provider_type": "provider_type",
        "country": "country",
    }

    def plan(self, rows: list[Row]) -> list[Planned]:
        existing = {org.code: org for org in Organisation.objects.all()}
        code_by_id = {org.pk: org.code for org in existing.values()}
        parsed: dict[str, tuple[Row, dict]] = {}
        failed: set[str] = set()  # codes of rows with problems of their own
        for row in rows:
            values = self._parse(row, parsed)
            if values is not None:
                parsed[values["code"]] = (row, values)
            else:
                failed.add(row.values["code"])

        def final_kind(code: str) -> str | None:
            if code in parsed:
                return parsed[code][1]["kind"]
            return existing[code].kind if code in existing else None

        def reaches_scope(code: str, seen: set[str]) -> bool:
            """Whether ``code`` will sit inside the scope once the file is written."""
            if code == self.scope.code:
                return True
            if code in seen:
                return False
            if code in parsed:
                parent = parsed[code][1]["parent"]
                return bool(parent) and reaches_scope(parent, seen | {code})
            return code in existing and existing[code].path.startswith(self.scope.path)

        plan = []
        for row, values in parsed.values():
            code, kind, parent = values["code"], values["kind"], values["parent"]
            current = existing.get(code)
            if parent in failed and parent not in parsed and parent not in existing:
                continue  # its parent's row is wrong: that row's problems say why
            if parent:
                if parent == code:
                    row.error("parent", _("an organisation cannot be its own parent"))
                elif parent not in parsed and parent not in existing:
                    row.error(
                        "parent",
                        _(
                            "no organisation with code %(code)s (not in the "
                            "database, not in this file)"
                        )
                        % {"code": parent},
                    )
            if row.ok:
                parent_kind = final_kind(parent) if parent else None
                if parent_kind not in ALLOWED_PARENT_KINDS[OrganisationKind(kind)]:
                    if parent_kind is None:
                        row.error("parent", _("a %(kind)s needs a parent") % {"kind": kind})
                    else:
                        row.error(
                            "parent",
                            _("a %(kind)s cannot sit under %(parent)s (a %(parent_kind)s)")
                            % {"kind": kind, "parent": parent, "parent_kind": parent_kind},
                        )
            if row.ok and self.scope is not None:
                if current is not None and not (
                    current.path.startswith(self.scope.path) and current.pk != self.scope.pk
                ):
                    row.error(
                        "code",
                        _("%(code)s is an organisation outside %(scope)s")
                        % {"code": code, "scope": self.scope.code},
                    )
                elif not parent or not reaches_scope(parent, {code}):
                    row.error(
                        "parent",
                        _("the parent must be %(scope)s or an organisation within it")
                        % {"scope": self.scope.code},
                    )
            if row.ok and current is not None and current.kind != kind:
                self._check_kind_change(row, current, kind, parsed)
            if not row.ok:
                continue
            if current is None:
                plan.append(Planned(row=row.number, action=CREATE, values=values))
                continue
            old = {
                "name": current.name,
                "kind": current.kind,
                "parent": code_by_id.get(current.parent_id, ""),
                "provider_type": current.provider_type,
                "country": current.country,
            }
            new = {name: values[name] for name in old}
            action = UNCHANGED if new == old else UPDATE
            plan.append(Planned(row=row.number, action=action, values=values, target=current))
        plan.sort(key=lambda p: (KIND_ORDER[OrganisationKind(p.values["kind"])], p.row))
        return plan

    def _parse(self, row: Row, parsed: dict) -> dict | None:
        values = {
            "code": row.parse("code", base.code),
            "name": row.parse("name", base.text, max_length=200, required=True),
            "kind": row.parse("kind", base.choice, OrganisationKind.values),
            "parent": row.values["parent"],
            "provider_type": row.parse(
                "provider_type", base.choice, ProviderType.values, required=False
            ),
            "country": row.parse("country", base.country),
        }
        if values["code"] is not INVALID and values["code"] in parsed:
            first = parsed[values["code"]][0].number
            row.error(
                "code",
                _("%(code)s appears twice in the file (first on row %(first)d)")
                % {"code": values["code"], "first": first},
            )
        if (
            values["kind"] == OrganisationKind.PROVIDER
            and values["provider_type"] is not INVALID
            and not values["provider_type"]
        ):
            row.error("provider_type", _("is required for a provider"))
        return values if row.ok else None

    def _check_kind_change(self, row: Row, current: Organisation, kind: str, parsed) -> None:
        """Changing an existing node's kind must keep its children (not in the file) valid."""
        for child in Organisation.objects.filter(parent=current).exclude(code__in=list(parsed)):
            if kind not in ALLOWED_PARENT_KINDS[OrganisationKind(child.kind)]:
                row.error(
                    "kind",
                    _("cannot become a %(kind)s: %(child)s (a %(child_kind)s) sits under it")
                    % {"kind": kind, "child": child.code, "child_kind": child.kind},
                )
                return
        if current.kind in SURVIVOR_KINDS and kind not in SURVIVOR_KINDS:
            if Survivor.objects.filter(organisation=current).exists():
                row.error(
                    "kind",
                    _("cannot become a %(kind)s: survivors are registered there") % {"kind": kind},
                )

    def write(self, plan: list[Planned], batch) -> None:
        by_code = {org.code: org for org in Organisation.objects.all()}
        for planned in plan:
            if planned.action == UNCHANGED:
                continue
            values = planned.values
            parent = by_code.get(values["parent"]) if values["parent"] else None
            fields = {
                "name": values["name"],
                "kind": values["kind"],
                "parent": parent,
                "provider_type": values["provider_type"],
                "country": values["country"],
            }
            if planned.action == CREATE:
                org = self.service_call(
                    planned,
                    organisation_create,
                    origin=self.origin,
                    code=values["code"],
                    import_batch=batch,
                    audit=False,
                    **fields,
                )
                if org is not None:
                    by_code[org.code] = org
                continue
            org = by_code[values["code"]]
            old_path = org.path
            updated = self.service_call(
                planned,
                organisation_update,
                origin=self.origin,
                org=org,
                import_batch=batch,
                audit=False,
                **fields,
            )
            if updated is not None and updated.path != old_path:
                # A move rewrote the paths of the subtree in the database: reload them.
                by_code = {o.code: o for o in Organisation.objects.all()}
