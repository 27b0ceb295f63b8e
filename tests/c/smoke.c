/* A C program against ffibench.h: the header and the library cannot drift apart unnoticed. */
#include <stdio.h>
#include <string.h>

#include "ffibench.h"

static int failures = 0;

#define CHECK(condition)                                                    \
    do {                                                                    \
        if (!(condition)) {                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #condition);                                            \
            failures++;                                                     \
        }                                                                   \
    } while (0)

int main(void) {
    int64_t number = 0;
    double real = 0.0;
    bool flag = false;
    ffibench_string text = {0};

    CHECK(strlen(ffibench_version()) > 0);
    CHECK(ffibench_basic_identity(INT64_MIN) == INT64_MIN);

    CHECK(ffibench_basic_add(2, 3, &number) == FFIBENCH_STATUS_OK && number == 5);
    CHECK(ffibench_basic_add(INT64_MAX, 1, &number) == FFIBENCH_STATUS_OVERFLOW);
    CHECK(strstr(ffibench_last_error_message(), "add") != NULL);
    CHECK(ffibench_basic_add(1, 1, NULL) == FFIBENCH_STATUS_NULL_POINTER);

    CHECK(ffibench_basic_fib(-1, &number) == FFIBENCH_STATUS_INVALID_VALUE);
    CHECK(ffibench_basic_count_primes(1000000, &number) == FFIBENCH_STATUS_OK && number == 78498);
    CHECK(ffibench_basic_compound_interest(1000.0, 0.05, 10.0, 12, &real) == FFIBENCH_STATUS_OK);
    CHECK(real > 1647.0 && real < 1647.1);

    /* NUL is an ordinary character: pointer + length, not a C string. */
    const char input[] = "ab\0c\xf0\x9d\x94\x98"; /* "ab\0c" then U+1D518 */
    CHECK(ffibench_basic_reverse(input, sizeof input - 1, &text) == FFIBENCH_STATUS_OK);
    CHECK(text.len == 8 && memcmp(text.ptr, "\xf0\x9d\x94\x98" "c\0ba", 8) == 0);
    ffibench_string_free(text);

    CHECK(ffibench_basic_to_upper("stra\xc3\x9f" "e", 7, &text) == FFIBENCH_STATUS_OK);
    CHECK(text.len == 7 && memcmp(text.ptr, "STRASSE", 7) == 0);
    ffibench_string_free(text);

    CHECK(ffibench_basic_reverse("\xff", 1, &text) == FFIBENCH_STATUS_INVALID_UTF8);
    /* A NULL out is refused before the work: a result no one receives would leak (valgrind
       and LeakSanitizer run this program: tests/test_memory.py). */
    CHECK(ffibench_basic_reverse("abc", 3, NULL) == FFIBENCH_STATUS_NULL_POINTER);
    CHECK(ffibench_basic_to_upper("abc", 3, NULL) == FFIBENCH_STATUS_NULL_POINTER);
    CHECK(ffibench_basic_reverse(NULL, 0, &text) == FFIBENCH_STATUS_OK && text.len == 0);
    ffibench_string_free(text);

    CHECK(ffibench_basic_is_palindrome("Anna", 4, &flag) == FFIBENCH_STATUS_OK && flag);
    CHECK(ffibench_basic_word_count(" a b ", 5, &number) == FFIBENCH_STATUS_OK && number == 2);
    CHECK(ffibench_basic_is_prime(97, &flag) == FFIBENCH_STATUS_OK && flag);
    CHECK(ffibench_basic_majority(true, false, true, &flag) == FFIBENCH_STATUS_OK && flag);

    const double values[] = {3.0, 1.0, 2.0, 6.0};
    CHECK(ffibench_arrays_sum(values, 4, &real) == FFIBENCH_STATUS_OK && real == 12.0);
    CHECK(ffibench_arrays_mean(values, 0, &real) == FFIBENCH_STATUS_INVALID_VALUE);
    CHECK(ffibench_arrays_min(values, 4, &real) == FFIBENCH_STATUS_OK && real == 1.0);
    /* A pointer not aligned for double is refused, never read. */
    const double *misaligned = (const double *)((uintptr_t)values + 1);
    CHECK(ffibench_arrays_sum(misaligned, 2, &real) == FFIBENCH_STATUS_INVALID_VALUE);
    /* normalize into its own input would alias a read and a write: refused. */
    double in_place[] = {1.0, 2.0, 3.0};
    CHECK(ffibench_arrays_normalize(in_place, 3, in_place) == FFIBENCH_STATUS_INVALID_VALUE);
    CHECK(ffibench_arrays_normalize(in_place, 3, in_place + 1) == FFIBENCH_STATUS_INVALID_VALUE);
    ffibench_doubles kept = {0};
    CHECK(ffibench_arrays_filter_greater(values, 4, 2.0, &kept) == FFIBENCH_STATUS_OK);
    CHECK(kept.len == 2 && kept.ptr[0] == 3.0 && kept.ptr[1] == 6.0);
    ffibench_doubles_free(kept);
    CHECK(ffibench_arrays_filter_greater(values, 4, 0.0, NULL) == FFIBENCH_STATUS_NULL_POINTER);
    double scores[4];
    CHECK(ffibench_arrays_normalize(values, 4, scores) == FFIBENCH_STATUS_OK);
    CHECK(scores[3] > 1.0 && scores[1] < -0.5);
    CHECK(ffibench_arrays_normalize(values, 4, NULL) == FFIBENCH_STATUS_NULL_POINTER);

    /* A matrix is a pointer, its dimensions and strides: here a column-major 2 x 3 times a
       row-major 3 x 2, and a 2 x 2 block of a 3 x 3 matrix read with its row stride. */
    const double left[6] = {1.0, 4.0, 2.0, 5.0, 3.0, 6.0};   /* [[1, 2, 3], [4, 5, 6]] */
    const double right[6] = {1.0, 0.0, 0.0, 1.0, 1.0, 1.0};  /* [[1, 0], [0, 1], [1, 1]] */
    double product[4] = {0.0};
    CHECK(ffibench_matmul_f64(left, 2, 3, 1, 2, right, 3, 2, 2, 1, product) == FFIBENCH_STATUS_OK);
    CHECK(product[0] == 4.0 && product[1] == 5.0 && product[2] == 10.0 && product[3] == 11.0);
    CHECK(ffibench_matmul_f64(left, 2, 3, 1, 2, left, 2, 3, 1, 2, product) == FFIBENCH_STATUS_INVALID_VALUE);
    CHECK(strstr(ffibench_last_error_message(), "do not match") != NULL);
    const float square[9] = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f};
    float block[4] = {0.0f};
    CHECK(ffibench_matmul_f32(square, 2, 2, 3, 1, square, 2, 2, 3, 1, block) == FFIBENCH_STATUS_OK);
    CHECK(block[0] == 3.0f && block[1] == 4.0f && block[2] == 12.0f && block[3] == 19.0f);

    /* A person is a plain struct: fields are read directly; its name is the library's. */
    ffibench_person ada = {0};
    CHECK(ffibench_person_new("Ada", 3, 36, 5200.0, &ada) == FFIBENCH_STATUS_OK);
    CHECK(ada.age == 36 && ada.salary == 5200.0 && ada.name.len == 3);
    CHECK(memcmp(ada.name.ptr, "Ada", 3) == 0);
    CHECK(ffibench_person_set_age(&ada, FFIBENCH_PERSON_AGE_MAX + 1) == FFIBENCH_STATUS_INVALID_VALUE);
    CHECK(ada.age == 36);
    CHECK(ffibench_person_set_name(&ada, "Zo\xc3\xab", 4) == FFIBENCH_STATUS_OK && ada.name.len == 4);

    ffibench_payroll *payroll = NULL;
    CHECK(ffibench_payroll_generate(1000, 7, &payroll) == FFIBENCH_STATUS_OK);
    CHECK(ffibench_payroll_append(payroll, &ada) == FFIBENCH_STATUS_OK);
    ffibench_person_free(&ada);
    ffibench_person_free(&ada); /* emptied by the first free: a no-op */
    size_t count = 0;
    CHECK(ffibench_payroll_len(payroll, &count) == FFIBENCH_STATUS_OK && count == 1001);
    const double *salaries = NULL;
    CHECK(ffibench_payroll_salaries(payroll, &salaries, &count) == FFIBENCH_STATUS_OK);
    CHECK(count == 1001 && salaries[1000] == 5200.0);
    ffibench_person best[3];
    CHECK(ffibench_payroll_top_earners(payroll, 3, best, &count) == FFIBENCH_STATUS_OK && count == 3);
    CHECK(best[0].salary >= best[1].salary && best[1].salary >= best[2].salary);
    for (size_t i = 0; i < count; i++) {
        ffibench_person_free(&best[i]);
    }
    int64_t starts[FFIBENCH_PAYROLL_BANDS_MAX];
    double means[FFIBENCH_PAYROLL_BANDS_MAX];
    CHECK(ffibench_payroll_mean_salary_by_age_band(payroll, 10, starts, means,
                                                   FFIBENCH_PAYROLL_BANDS_MAX, &count) == FFIBENCH_STATUS_OK);
    CHECK(count >= 5 && starts[0] <= 20 && means[0] >= 2000.0);
    CHECK(ffibench_payroll_give_raise(payroll, -200.0, 0, &count) == FFIBENCH_STATUS_INVALID_VALUE);
    ffibench_payroll_free(payroll);

    /* Words: a list of strings is one UTF-8 buffer and the byte length of each. */
    const char words_text[] = "The cat, the hat; \xce\x9f\xce\x94\xce\x9f\xce\xa3 don't"; /* ΟΔΟΣ */
    ffibench_word_counts *counts = NULL;
    CHECK(ffibench_word_counts_from_text(words_text, sizeof words_text - 1, &counts) == FFIBENCH_STATUS_OK);
    uint64_t hits = 0;
    CHECK(ffibench_word_counts_get(counts, "the", 3, &hits, &flag) == FFIBENCH_STATUS_OK && flag && hits == 2);
    const char asked[] = "thedogdon't";
    size_t asked_lengths[] = {3, 3, 5};
    uint64_t found[3];
    CHECK(ffibench_word_counts_get_many(counts, asked, sizeof asked - 1, asked_lengths, 3, found) ==
          FFIBENCH_STATUS_OK);
    CHECK(found[0] == 2 && found[1] == 0 && found[2] == 1);
    asked_lengths[2] = 4; /* the lengths no longer add up to the text: refused, not read past */
    CHECK(ffibench_word_counts_get_many(counts, asked, sizeof asked - 1, asked_lengths, 3, found) ==
          FFIBENCH_STATUS_INVALID_VALUE);
    size_t top_lengths[2];
    uint64_t top_counts[2];
    CHECK(ffibench_word_counts_items(counts, true, 2, &text, top_lengths, top_counts) == FFIBENCH_STATUS_OK);
    CHECK(top_counts[0] == 2 && top_lengths[0] == 3 && memcmp(text.ptr, "the", 3) == 0);
    ffibench_string_free(text);
    CHECK(ffibench_word_counts_merge(counts, counts) == FFIBENCH_STATUS_OK);
    CHECK(ffibench_word_counts_total(counts, &hits) == FFIBENCH_STATUS_OK && hits == 12);
    ffibench_word_counts_free(counts);
    const uint8_t missing[] = "/nonexistent/words.txt";
    CHECK(ffibench_word_counts_from_file(missing, sizeof missing - 1, &counts) == FFIBENCH_STATUS_IO);
    CHECK(ffibench_last_error_errno() == 2);

    ffibench_kv_store *store = NULL;
    CHECK(ffibench_kv_store_new(1, &store) == FFIBENCH_STATUS_OK);
    CHECK(ffibench_kv_store_set(store, "a", 1, (const uint8_t *)"1", 1) == FFIBENCH_STATUS_OK);
    CHECK(ffibench_kv_store_set(store, "b", 1, (const uint8_t *)"22", 2) == FFIBENCH_STATUS_OK);
    const uint8_t *lent = NULL;
    size_t lent_len = 0;
    CHECK(ffibench_kv_store_get(store, "a", 1, &lent, &lent_len, &flag) == FFIBENCH_STATUS_OK && !flag);
    CHECK(ffibench_kv_store_get(store, "b", 1, &lent, &lent_len, &flag) == FFIBENCH_STATUS_OK && flag);
    CHECK(lent_len == 2 && memcmp(lent, "22", 2) == 0);
    ffibench_kv_stats stats;
    CHECK(ffibench_kv_store_stats(store, &stats) == FFIBENCH_STATUS_OK);
    CHECK(stats.hits == 1 && stats.misses == 1 && stats.evictions == 1);
    ffibench_kv_store_free(store);

    ffibench_buffer *buffer = NULL;
    ffibench_buffer_view view;
    CHECK(ffibench_buffer_new(3, FFIBENCH_DTYPE_INT64, 1, &buffer, &view) == FFIBENCH_STATUS_OK);
    CHECK(view.len == 3 && view.nbytes == 24 && ((const int64_t *)view.data)[0] == -7995527694508729151LL);
    ffibench_buffer_free(buffer);
    CHECK(ffibench_buffer_new(2, FFIBENCH_DTYPE_UINT8, 1, &buffer, &view) == FFIBENCH_STATUS_OK);
    CHECK(view.nbytes == 2 && view.data[0] == 145 && view.data[1] == 190);
    ffibench_buffer_free(buffer);
    CHECK(ffibench_buffer_new(1, 9, 0, &buffer, &view) == FFIBENCH_STATUS_INVALID_VALUE);
    CHECK(ffibench_buffer_new((size_t)1 << 62, FFIBENCH_DTYPE_FLOAT64, 0, &buffer, &view) == FFIBENCH_STATUS_OUT_OF_MEMORY);
    CHECK(ffibench_buffer_new(1, FFIBENCH_DTYPE_FLOAT64, 0, NULL, &view) == FFIBENCH_STATUS_NULL_POINTER);
    ffibench_buffer_free(NULL);

    ffibench_event_stream *stream = NULL;
    CHECK(ffibench_event_stream_new(false, 0.0, 16, FFIBENCH_POLICY_BLOCK, 7, true, &stream) == FFIBENCH_STATUS_OK);
    CHECK(ffibench_event_stream_start(stream) == FFIBENCH_STATUS_OK);
    CHECK(ffibench_event_stream_start(stream) == FFIBENCH_STATUS_INVALID_STATE);
    ffibench_event events[8];
    int outcome = -1;
    CHECK(ffibench_event_stream_recv(stream, 5000000000, events, &outcome) == FFIBENCH_STATUS_OK);
    CHECK(outcome == FFIBENCH_RECEIVED_EVENT && events[0].seq == 0 && events[0].payload_len > 0);
    size_t taken = 0;
    CHECK(ffibench_event_stream_poll(stream, events, 8, &taken) == FFIBENCH_STATUS_OK && taken <= 8);
    for (size_t i = 0; i < taken; i++) {
        CHECK(events[i].seq == i + 1);
    }
    int fd = -1;
    CHECK(ffibench_event_stream_fd(stream, &fd) == FFIBENCH_STATUS_OK && fd >= 0);
    CHECK(ffibench_event_stream_stop(stream) == FFIBENCH_STATUS_OK);
    ffibench_event_stats counters;
    CHECK(ffibench_event_stream_stats(stream, &counters) == FFIBENCH_STATUS_OK);
    CHECK(counters.dropped == 0 && counters.delivered == taken + 1);
    ffibench_event_stream_free(stream);
    CHECK(ffibench_event_stream_new(true, -1.0, 16, FFIBENCH_POLICY_DROP, 0, false, &stream) == FFIBENCH_STATUS_INVALID_VALUE);

    ffibench_document *document = NULL, *again = NULL;
    CHECK(ffibench_document_generate(1000, 7, &document) == FFIBENCH_STATUS_OK);
    ffibench_bytes json = {0}, binary = {0}, binary_again = {0};
    CHECK(ffibench_document_to_json(document, &json) == FFIBENCH_STATUS_OK && json.len > 900);
    CHECK(json.ptr[0] == '{');
    CHECK(ffibench_document_to_bincode(document, &binary) == FFIBENCH_STATUS_OK);
    CHECK(ffibench_document_from_json(json.ptr, json.len, &again) == FFIBENCH_STATUS_OK);
    CHECK(ffibench_document_to_bincode(again, &binary_again) == FFIBENCH_STATUS_OK);
    CHECK(binary.len == binary_again.len && memcmp(binary.ptr, binary_again.ptr, binary.len) == 0);
    ffibench_document_free(again);
    again = NULL;
    CHECK(ffibench_document_from_bincode(json.ptr, json.len, &again) == FFIBENCH_STATUS_INVALID_VALUE);
    CHECK(again == NULL && strlen(ffibench_last_error_message()) > 0);
    ffibench_bytes_free(json);
    ffibench_bytes_free(binary);
    ffibench_bytes_free(binary_again);
    ffibench_document_free(document);

    if (failures == 0) {
        printf("smoke: ok\n");
    }
    return failures == 0 ? 0 : 1;
}
