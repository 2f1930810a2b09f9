/* Unit tests for stream IDs: parsing forms, formatting, stepping. */
#include "stream/id.h"
#include "test.h"

static void parse_forms(void) {
    StreamId id;
    int excl;
    CHECK(stream_id_parse("1-2", 3, 0, &id, NULL) == 0 && id.ms == 1 && id.seq == 2);
    CHECK(stream_id_parse("5", 1, 0, &id, NULL) == 0 && id.ms == 5 && id.seq == 0);
    CHECK(stream_id_parse("5", 1, STREAM_ID_SEQ_MAX, &id, NULL) == 0 && id.seq == UINT64_MAX);
    CHECK(stream_id_parse("5", 1, STREAM_ID_STRICT, &id, NULL) == -1);
    CHECK(stream_id_parse("-", 1, 0, &id, NULL) == -1);
    CHECK(stream_id_parse("-", 1, STREAM_ID_ALLOW_MINMAX, &id, NULL) == 0 && stream_id_is_zero(id));
    CHECK(stream_id_parse("+", 1, STREAM_ID_ALLOW_MINMAX, &id, NULL) == 0 && id.ms == UINT64_MAX &&
          id.seq == UINT64_MAX);
    CHECK(stream_id_parse("(3-4", 4, STREAM_ID_ALLOW_EXCL, &id, &excl) == 0 && excl == 1 &&
          id.ms == 3 && id.seq == 4);
    CHECK(stream_id_parse("(3-4", 4, 0, &id, &excl) == -1);
    CHECK(stream_id_parse("18446744073709551615-18446744073709551615", 41, 0, &id, NULL) == 0);
    CHECK(stream_id_parse("18446744073709551616", 20, 0, &id, NULL) == -1);
    CHECK(stream_id_parse("1-", 2, 0, &id, NULL) == -1);
    CHECK(stream_id_parse("-1", 2, 0, &id, NULL) == -1);
    CHECK(stream_id_parse("1-2-3", 5, 0, &id, NULL) == -1);
    CHECK(stream_id_parse("", 0, 0, &id, NULL) == -1);
    /* Redis's string2ull() quirks (checked against redis-server 7.0) */
    CHECK(stream_id_parse(" 1", 2, 0, &id, NULL) == 0 && id.ms == 1 && id.seq == 0);
    CHECK(stream_id_parse("+5-+3", 5, 0, &id, NULL) == 0 && id.ms == 5 && id.seq == 3);
    CHECK(stream_id_parse("007-1", 5, 0, &id, NULL) == 0 && id.ms == 7 && id.seq == 1);
    CHECK(stream_id_parse("9--18446744073709551615", 23, 0, &id, NULL) == 0 && id.seq == 1);
    CHECK(stream_id_parse("9--1", 4, 0, &id, NULL) == -1);
    CHECK(stream_id_parse("8-1 ", 4, 0, &id, NULL) == -1);
    CHECK(stream_id_parse("5\0-3", 4, 0, &id, NULL) == 0 && id.ms == 5 && id.seq == 0);
    CHECK(stream_id_parse("(-", 2, STREAM_ID_ALLOW_EXCL | STREAM_ID_ALLOW_MINMAX, &id, NULL) == -1);
    int given;
    CHECK(stream_id_parse_seq_auto("7-*", 3, &id, &given) == 0 && given == 0 && id.ms == 7);
    CHECK(stream_id_parse_seq_auto("7-1", 3, &id, &given) == 0 && given == 1 && id.seq == 1);
    CHECK(stream_id_parse_seq_auto("*", 1, &id, &given) == -1);
}

static void format_and_step(void) {
    char buf[STREAM_ID_MAX_LEN + 1];
    StreamId id = stream_id_make(UINT64_MAX, UINT64_MAX);
    CHECK(stream_id_format(id, buf) == 41 &&
          strcmp(buf, "18446744073709551615-18446744073709551615") == 0);
    CHECK(stream_id_incr(&id) == -1);
    id = stream_id_make(1, UINT64_MAX);
    CHECK(stream_id_incr(&id) == 0 && id.ms == 2 && id.seq == 0);
    CHECK(stream_id_decr(&id) == 0 && id.ms == 1 && id.seq == UINT64_MAX);
    id = stream_id_make(0, 0);
    CHECK(stream_id_decr(&id) == -1);
    stream_id_format(stream_id_make(0, 0), buf);
    CHECK(strcmp(buf, "0-0") == 0);
    CHECK(stream_id_cmp(stream_id_make(1, 9), stream_id_make(2, 0)) < 0);
    CHECK(stream_id_cmp(stream_id_make(2, 1), stream_id_make(2, 0)) > 0);
}

int main(void) {
    parse_forms();
    format_and_step();
    return test_report("test_id");
}
