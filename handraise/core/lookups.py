"""``field__any_of=values``: the ``__in`` of the import's batch reads, cheap on PostgreSQL.

Django writes ``IN (%s, %s, ...)`` with a placeholder per value. psycopg then
splits every placeholder out of the query text on the client: for the import's
batches of 500 emails, keys or ids that took 15-20 ms a query, a fifth of a
100,000-row import on PostgreSQL. ``any_of`` sends the values as one array
parameter instead (``= ANY(%s)``), which PostgreSQL plans like the list. Elsewhere
it is ``__in`` itself. Only for plain values (no subqueries, no expressions, no
model instances: ids).
"""

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


@ForeignObject.register_lookup  # ``contact_id__any_of``: related fields keep lookups apart
@Field.register_lookup
class AnyOf(In):
    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection) for value in self.rhs]
        values = [value for value in values if value is not None]  # as __in drops None
        db_type = field.cast_db_type(connection)
        cast = f"::{db_type}[]" if db_type else ""
        return f"{lhs} = ANY(%s{cast})", [*lhs_params, values]
