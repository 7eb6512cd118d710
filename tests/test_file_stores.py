"""The two file stores' module functions (``declarations.documents`` and ``delivery.archive``), both made by
``declarations.documents.publish``: each acts on its own folder under STORAGE_DIR, never the other's, so one
store's reconciliation never sees the other's files as orphans."""

import io

import pytest

from declarations import documents
from declarations.documents import FILE_TYPES, STORE_FUNCTIONS, FileStore, publish
from delivery import archive

PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGE_DIR = tmp_path
    return tmp_path


@pytest.mark.parametrize("module", [documents, archive])
def test_each_module_offers_every_store_function(module):
    assert all(callable(getattr(module, name)) for name in STORE_FUNCTIONS)


def test_the_archive_module_exports_its_store_and_functions():
    assert set(archive.__all__) == {"ARCHIVE", *STORE_FUNCTIONS}


def test_each_module_writes_under_its_own_folder_and_sees_only_its_own_files(storage):
    in_archive = archive.new_stored_name(FILE_TYPES["pdf"])
    in_documents = documents.new_stored_name(FILE_TYPES["pdf"])
    digest, size = archive.write(in_archive, io.BytesIO(PDF))
    documents.write(in_documents, io.BytesIO(PDF + b"%other"))

    assert size == len(PDF)
    assert archive.path_of(in_archive).read_bytes() == PDF
    assert archive.storage_root() == (storage / "archive").resolve()
    assert archive.path_of(in_archive).is_relative_to(storage / "archive")
    assert documents.path_of(in_documents).is_relative_to(storage / "documents")
    assert archive.stored_files() == {in_archive}
    assert documents.stored_files() == {in_documents}
    assert archive.matches(in_archive, digest) and archive.digest_of(in_archive) == digest
    assert documents.digest_of(in_archive) is None  # not in the documents' folder

    archive.remove(in_archive)
    assert archive.stored_files() == set() and documents.stored_files() == {in_documents}


def test_publish_binds_the_given_store(storage):
    namespace: dict = {}
    names = publish(FileStore("elsewhere"), namespace)
    assert names == list(STORE_FUNCTIONS) and set(namespace) == set(STORE_FUNCTIONS)
    assert namespace["storage_root"]() == (storage / "elsewhere").resolve()
