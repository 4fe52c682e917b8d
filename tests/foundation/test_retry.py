"""The serialization-retry helper, with fake failures and with a real conflict on PostgreSQL."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import DatabaseError, OperationalError, connection, connections, transaction

from ory_platform.db import TransactionConflict, is_retryable, retrying
from ory_platform.models import ApiKey


def _serialization_failure() -> OperationalError:
    error = OperationalError("could not serialize access due to read/write dependencies among transactions")
    cause = psycopg.errors.SerializationFailure("could not serialize access")
    error.__cause__ = cause
    return error


def test_is_retryable_recognises_transient_conflicts():
    assert is_retryable(_serialization_failure())
    assert is_retryable(OperationalError("restart transaction: TransactionRetryWithProtoRefreshError"))
    assert is_retryable(OperationalError("database is locked"))
    assert not is_retryable(DatabaseError("relation does not exist"))
    assert not is_retryable(OperationalError("connection refused"))


@pytest.mark.django_db(transaction=True)
def test_a_conflict_is_retried_and_the_work_redone(settings):
    settings.DATABASE_RETRY_BASE_DELAY = 0
    calls = []

    @retrying
    def create_key():
        calls.append(1)
        ApiKey.objects.create(name=f"key-{len(calls)}", prefix=f"p{len(calls):09d}", secret_hash="0" * 64)
        if len(calls) < 3:
            raise _serialization_failure()
        return len(calls)

    assert create_key() == 3
    # The first two attempts rolled back: only the third attempt's row exists.
    assert list(ApiKey.objects.values_list("name", flat=True)) == ["key-3"]


@pytest.mark.django_db(transaction=True)
def test_a_persistent_conflict_becomes_a_503_error(settings):
    settings.DATABASE_RETRY_BASE_DELAY = 0
    attempts = []

    @retrying(attempts=4)
    def always_conflicts():
        attempts.append(1)
        ApiKey.objects.create(name="doomed", prefix=f"d{len(attempts):09d}", secret_hash="0" * 64)
        raise _serialization_failure()

    with pytest.raises(TransactionConflict) as raised:
        always_conflicts()
    assert len(attempts) == 4
    assert raised.value.status_code == 503
    assert raised.value.error_id == "transaction_conflict"
    assert not ApiKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried():
    attempts = []

    @retrying
    def broken():
        attempts.append(1)
        raise DatabaseError("syntax error")

    with pytest.raises(DatabaseError):
        broken()
    assert attempts == [1]


@pytest.mark.django_db(transaction=True)
def test_inside_an_outer_transaction_it_runs_once_in_a_savepoint():
    attempts = []

    @retrying
    def conflicts():
        attempts.append(1)
        raise _serialization_failure()

    with pytest.raises(OperationalError), transaction.atomic():
        conflicts()
    assert attempts == [1]


@pytest.mark.django_db(transaction=True)
def test_the_function_runs_in_a_transaction():
    @retrying
    def inside():
        return connection.in_atomic_block

    assert inside() is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_serialization_conflict_between_two_connections_resolves(settings):
    """Two writers read the same rows and each writes a row that depends on what it read (write
    skew). At SERIALIZABLE, PostgreSQL aborts one with SQLSTATE 40001; the helper re-runs it and
    both finish with the right result."""
    assert connection.settings_dict["OPTIONS"]["isolation_level"] == psycopg.IsolationLevel.SERIALIZABLE
    settings.DATABASE_RETRY_BASE_DELAY = 0.005
    both_read = threading.Barrier(2, timeout=10)
    attempts: dict[str, int] = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    @retrying
    def add_numbered_key(writer: str) -> int:
        attempts[writer] += 1
        number = ApiKey.objects.count() + 1
        if attempts[writer] == 1:
            both_read.wait()  # both transactions have read before either writes
        ApiKey.objects.create(name=f"key-{number}", prefix=f"{writer}{number:09d}", secret_hash="0" * 64)
        return number

    def run(writer: str) -> None:
        try:
            add_numbered_key(writer)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    # Without serializability both would have written "key-1". One was aborted and re-run.
    assert sorted(ApiKey.objects.values_list("name", flat=True)) == ["key-1", "key-2"]
    assert sorted(attempts.values()) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_a_single_statement_runs_outside_a_transaction_and_is_retried(settings):
    settings.DATABASE_RETRY_BASE_DELAY = 0
    seen = []

    @retrying(single_statement=True)
    def insert_key():
        seen.append(connection.in_atomic_block)
        if len(seen) < 2:
            raise _serialization_failure()
        return ApiKey.objects.create(name="one", prefix="s000000001", secret_hash="0" * 64)

    assert insert_key().name == "one"
    assert seen == [False, False]  # autocommit: the INSERT is its own implicit transaction
    assert list(ApiKey.objects.values_list("name", flat=True)) == ["one"]


@pytest.mark.django_db(transaction=True)
def test_a_single_statement_inside_a_transaction_takes_a_savepoint(settings):
    settings.DATABASE_RETRY_BASE_DELAY = 0
    attempts = []

    @retrying(single_statement=True)
    def inside():
        attempts.append(connection.savepoint_ids[:])
        ApiKey.objects.create(name="inner", prefix="s000000002", secret_hash="0" * 64)
        raise _serialization_failure()

    with transaction.atomic():
        with pytest.raises(OperationalError):
            inside()
        assert connection.in_atomic_block is True
        # Run once, in a savepoint of the outer transaction, which alone may retry; its row rolled back.
        assert len(attempts) == 1 and len(attempts[0]) == 1
        assert not ApiKey.objects.filter(name="inner").exists()
