/*
 * test_server_log.c - text and JSON log lines, escaping, truncation.
 */
#include "../../src/server/log.h"
#include "test.h"

#include <string.h>

#define TS "2026-01-02T03:04:05.000006Z"

static void test_text(void)
{
    char buf[512];
    log_field f[] = {LOG_STR("policy_id", "pod-privileged"), LOG_STR("message", "has space"),
                     LOG_INT("code", 403), LOG_BOOL("allowed", false), LOG_STR("namespace", NULL)};
    log_format_line(buf, sizeof buf, SERVER_LOG_TEXT, SERVER_LOG_INFO, TS, "policy_server", "request evaluated",
                    f, 5);
    CHECK_STR(buf, TS "  INFO policy_server: request evaluated policy_id=pod-privileged "
                      "message=\"has space\" code=403 allowed=false namespace=null\n");
    log_format_line(buf, sizeof buf, SERVER_LOG_TEXT, SERVER_LOG_WARN, TS, "t", "m", NULL, 0);
    CHECK_STR(buf, TS "  WARN t: m\n");
}

static void test_json(void)
{
    char buf[512];
    log_field f[] = {LOG_STR("policy_id", "a\"b"), LOG_INT("code", -1), LOG_BOOL("mutated", true),
                     LOG_JSON("data", "{\"k\":[1]}", 9), LOG_STRN("s", "x\ny", 3)};
    log_format_line(buf, sizeof buf, SERVER_LOG_JSON, SERVER_LOG_ERROR, TS, "policy_log", "tab\there", f, 5);
    CHECK_STR(buf, "{\"timestamp\":\"" TS "\",\"level\":\"ERROR\",\"fields\":{\"message\":\"tab\\there\","
                   "\"policy_id\":\"a\\\"b\",\"code\":-1,\"mutated\":true,\"data\":{\"k\":[1]},\"s\":\"x\\ny\"},"
                   "\"target\":\"policy_log\"}\n");
    char ctl[] = {'a', 1, 0};
    log_format_line(buf, sizeof buf, SERVER_LOG_JSON, SERVER_LOG_DEBUG, TS, "t", ctl, NULL, 0);
    CHECK(strstr(buf, "\"message\":\"a\\u0001\"") != NULL);
}

static void test_truncation(void)
{
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char buf[256];
    size_t n = log_format_line(buf, sizeof buf, SERVER_LOG_TEXT, SERVER_LOG_INFO, TS, "t", big, NULL, 0);
    CHECK(n < sizeof buf);
    CHECK(n == strlen(buf));
    CHECK(buf[n - 1] == '\n' && strstr(buf, "...\n") != NULL);
    n = log_format_line(buf, sizeof buf, SERVER_LOG_JSON, SERVER_LOG_INFO, TS, "t", big, NULL, 0);
    CHECK(n < sizeof buf && buf[n - 1] == '\n');
    CHECK(strstr(buf, "log line too long") != NULL);
    CHECK(buf[0] == '{' && buf[n - 2] == '}');
}

static void test_levels(void)
{
    log_init(SERVER_LOG_WARN, SERVER_LOG_TEXT, 1);
    CHECK(!log_enabled(SERVER_LOG_INFO));
    CHECK(log_enabled(SERVER_LOG_WARN));
    CHECK(log_enabled(SERVER_LOG_ERROR));
    log_init(SERVER_LOG_TRACE, SERVER_LOG_TEXT, 1);
    CHECK(log_enabled(SERVER_LOG_TRACE));
}

int main(void)
{
    test_text();
    test_json();
    test_truncation();
    test_levels();
    TEST_DONE();
}
