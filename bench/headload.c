/*
 * headload: a closed-loop HTTP/1.1 keep-alive load generator for HEAD requests, for bench/run.py.
 *
 *   headload PORT SECONDS CONNECTIONS THREADS LIST
 *
 * Each of CONNECTIONS connections to 127.0.0.1:PORT sends "HEAD <random path of LIST>", reads the
 * answer's header and sends the next request. wrk cannot do this: its parser waits for the body
 * that Content-Length announces, which a HEAD answer never has (wrk issue #198). ab cannot
 * either: it speaks HTTP/1.0 and needs "Connection: keep-alive" in every answer.
 * Prints one line like wrk.lua's done(): "WRKJSON {requests, duration_us, errors, latency_us}".
 * Answers other than 2xx count as status errors; a body after the header counts as a read error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUCKET_US 10              /* latency histogram resolution */
#define BUCKETS (10 * 1000 * 100) /* up to 10 s */

struct conn {
    int fd;
    uint64_t start_us;
    size_t len;
    char buf[16384];
};

struct thread {
    pthread_t id;
    int conns;
    unsigned seed;
    uint64_t requests, connect_errors, read_errors, status_errors, max_us;
    uint32_t* histogram;
};

static int port;
static uint64_t end_us;
static char** requests;
static size_t request_count;

static uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int connect_one(void) {
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_request(struct thread* t, struct conn* c) {
    const char* req = requests[rand_r(&t->seed) % request_count];
    size_t len = strlen(req);
    c->len = 0;
    c->start_us = now_us();
    return write(c->fd, req, len) == (ssize_t)len ? 0 : -1;
}

static int reopen(struct thread* t, int ep, struct conn* c) {
    if (c->fd >= 0)
        close(c->fd);
    c->fd = connect_one();
    if (c->fd < 0) {
        t->connect_errors++;
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    return send_request(t, c);
}

static void record(struct thread* t, struct conn* c) {
    uint64_t us = now_us() - c->start_us;
    uint64_t bucket = us / BUCKET_US;
    t->histogram[bucket < BUCKETS ? bucket : BUCKETS - 1]++;
    if (us > t->max_us)
        t->max_us = us;
    t->requests++;
}

/* Reads what arrived; when the header is complete, records it and sends the next request. */
static void on_readable(struct thread* t, int ep, struct conn* c) {
    ssize_t n = read(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
    if (n <= 0) {
        if (n < 0 && errno == EAGAIN)
            return;
        t->read_errors++;
        reopen(t, ep, c);
        return;
    }
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    char* end = strstr(c->buf, "\r\n\r\n");
    if (end == NULL) {
        if (c->len == sizeof c->buf - 1) {
            t->read_errors++;
            reopen(t, ep, c);
        }
        return;
    }
    record(t, c);
    if (strncmp(c->buf, "HTTP/1.1 2", 10) != 0)
        t->status_errors++;
    if ((size_t)(end + 4 - c->buf) != c->len) { /* bytes after the header: not a HEAD answer */
        t->read_errors++;
        reopen(t, ep, c);
        return;
    }
    if (now_us() < end_us && send_request(t, c) != 0) {
        t->read_errors++;
        reopen(t, ep, c);
    }
}

static void* run_thread(void* arg) {
    struct thread* t = arg;
    int ep = epoll_create1(0);
    struct conn* conns = calloc((size_t)t->conns, sizeof *conns);
    for (int i = 0; i < t->conns; i++) {
        conns[i].fd = -1;
        reopen(t, ep, &conns[i]);
    }
    struct epoll_event events[256];
    while (now_us() < end_us) {
        int n = epoll_wait(ep, events, 256, 100);
        for (int i = 0; i < n; i++)
            on_readable(t, ep, events[i].data.ptr);
    }
    for (int i = 0; i < t->conns; i++)
        if (conns[i].fd >= 0)
            close(conns[i].fd);
    free(conns);
    close(ep);
    return NULL;
}

static void load_requests(const char* list) {
    FILE* f = fopen(list, "r");
    if (f == NULL) {
        perror(list);
        exit(2);
    }
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        requests = realloc(requests, (request_count + 1) * sizeof *requests);
        if (asprintf(&requests[request_count++], "HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                     line) < 0)
            exit(2);
    }
    fclose(f);
    if (request_count == 0) {
        fprintf(stderr, "%s: no paths\n", list);
        exit(2);
    }
}

static uint64_t percentile(const uint64_t* histogram, uint64_t total, double p) {
    uint64_t want = (uint64_t)(total * p / 100.0), seen = 0;
    for (uint64_t b = 0; b < BUCKETS; b++) {
        seen += histogram[b];
        if (seen > want)
            return b * BUCKET_US + BUCKET_US / 2;
    }
    return BUCKETS * BUCKET_US;
}

int main(int argc, char** argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s PORT SECONDS CONNECTIONS THREADS LIST\n", argv[0]);
        return 2;
    }
    port = atoi(argv[1]);
    int seconds = atoi(argv[2]), conns = atoi(argv[3]), nthreads = atoi(argv[4]);
    if (port <= 0 || seconds <= 0 || conns <= 0 || nthreads <= 0 || nthreads > conns)
        return 2;
    load_requests(argv[5]);

    struct thread* threads = calloc((size_t)nthreads, sizeof *threads);
    uint64_t start = now_us();
    end_us = start + (uint64_t)seconds * 1000000;
    for (int i = 0; i < nthreads; i++) {
        threads[i].conns = conns / nthreads + (i < conns % nthreads);
        threads[i].seed = (unsigned)(start + (uint64_t)i);
        threads[i].histogram = calloc(BUCKETS, sizeof(uint32_t));
        pthread_create(&threads[i].id, NULL, run_thread, &threads[i]);
    }
    uint64_t* histogram = calloc(BUCKETS, sizeof(uint64_t));
    uint64_t total = 0, connect_errors = 0, read_errors = 0, status_errors = 0, max_us = 0;
    for (int i = 0; i < nthreads; i++) {
        struct thread* t = &threads[i];
        pthread_join(t->id, NULL);
        for (uint64_t b = 0; b < BUCKETS; b++)
            histogram[b] += t->histogram[b];
        total += t->requests;
        connect_errors += t->connect_errors;
        read_errors += t->read_errors;
        status_errors += t->status_errors;
        if (t->max_us > max_us)
            max_us = t->max_us;
    }
    uint64_t duration = now_us() - start;
    printf(
        "WRKJSON {\"requests\":%llu,\"duration_us\":%llu,\"bytes\":0,"
        "\"errors\":{\"connect\":%llu,\"read\":%llu,\"write\":0,\"status\":%llu,\"timeout\":0},"
        "\"latency_us\":{\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"max\":%llu,\"mean\":0}}\n",
        (unsigned long long)total, (unsigned long long)duration, (unsigned long long)connect_errors,
        (unsigned long long)read_errors, (unsigned long long)status_errors,
        (unsigned long long)percentile(histogram, total, 50),
        (unsigned long long)percentile(histogram, total, 90),
        (unsigned long long)percentile(histogram, total, 99), (unsigned long long)max_us);
    return 0;
}
