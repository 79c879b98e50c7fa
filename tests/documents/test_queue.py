"""PDF rendering runs on its own queue, so it never delays the delivery of a notice."""

from config.celery import app


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_pdfs_are_rendered_on_the_documents_queue_and_notices_on_the_default_one() -> None:
    assert queue_of("documents.tasks.render_pdfs") == "documents"
    assert queue_of("notifications.tasks.deliver_message") == app.conf.task_default_queue == "celery"
