
from django.db import connection
from ninja import Router, Schema

import qualitas

router = Router(tags=["system"])


class HealthOut(Schema):
    status: str
    version: str
    database: str


@router.get("/health", auth=None, response=HealthOut, summary="Liveness and database check")
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "version": qualitas.__version__, "database": connection.vendor}
