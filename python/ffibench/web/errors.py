"""The API's errors: one exception, and every text the contract (``openapi.json``) fixes.

Every error a server sends is ``{"error": code, "message": text}`` with one of six codes; the
texts are the contract's, word for word, so that Flask and axum answer alike. A handler raises
:class:`ApiError`; the app's error handler turns it into the response.
"""

from __future__ import annotations

#: The largest body a route that reads one accepts, in bytes.
MAX_BODY_BYTES = 1_048_576
#: How deep arrays and objects may nest in a body.
MAX_DEPTH = 100
#: The most people the store holds.
STORE_CAPACITY = 100_000
#: The most rows or columns of a matrix.
MATRIX_MAX = 256
#: The largest magnitude of a matrix entry: no sum of MATRIX_MAX products can overflow.
MATMUL_ENTRY_MAX = 1e150
#: The largest ``k`` of ``/words/top``, and the one used when it is absent.
K_MAX = 1000
K_DEFAULT = 10

NO_ROUTE = "no such route"
METHOD_NOT_ALLOWED = "method not allowed"
TOO_LARGE = f"the body is over {MAX_BODY_BYTES} bytes"
MALFORMED = "the body is not valid JSON"
NUMBER_RANGE = "a number is beyond the float64 range"

STATS_SHAPE = "expected a JSON array of numbers"
STATS_EMPTY = "the list is empty"
STATS_SUM = "the sum is beyond the float64 range"

WORDS_SHAPE = "expected an object with one field, text, a string"
WORDS_K = f"k must be an integer from 0 to {K_MAX}, given once"

PERSON_SHAPE = (
    "expected an object with exactly the fields name (a string), age and salary (numbers)"
)
PERSON_NAME = "name must have 1 to 256 characters"
PERSON_AGE = "age must be an integer from 0 to 150"
PERSON_SALARY = "salary must be a number >= 0"
STORE_FULL = f"the store is full: it holds {STORE_CAPACITY} people"

MATMUL_SHAPE = (
    "expected an object with exactly the fields a and b, each a non-empty list of "
    "equal-length lists of numbers"
)
MATMUL_SIZE = f"a matrix may have at most {MATRIX_MAX} rows and {MATRIX_MAX} columns"
MATMUL_ENTRY = "a matrix entry's magnitude may be at most 1e150"


def no_person(person_id: int) -> str:
    """The 404 text of an id that holds no one."""
    return f"no person with id {person_id}"


def matmul_mismatch(columns: int, rows: int) -> str:
    """The 400 text of operands whose inner dimensions differ."""
    return f"a has {columns} columns but b has {rows} rows"


class ApiError(Exception):
    """An answer other than success: the status, the contract's code and its text.

    Examples
    --------
    >>> error = ApiError.wrong_shape(STATS_SHAPE)
    >>> error.status, error.body()
    (422, {'error': 'wrong_shape', 'message': 'expected a JSON array of numbers'})
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        """The JSON body the server sends."""
        return {"error": self.code, "message": self.message}

    @classmethod
    def not_found(cls, message: str = NO_ROUTE) -> ApiError:
        return cls(404, "not_found", message)

    @classmethod
    def malformed(cls) -> ApiError:
        return cls(400, "malformed_json", MALFORMED)

    @classmethod
    def invalid(cls, message: str) -> ApiError:
        return cls(400, "invalid_value", message)

    @classmethod
    def wrong_shape(cls, message: str) -> ApiError:
        return cls(422, "wrong_shape", message)
