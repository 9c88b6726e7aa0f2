// cxx_stats.cc - an isolated plugin in C++: std::string, std::unordered_map,
// thread_local objects with destructors, a std::mutex.
//
// Each client thread counts its system calls by name in a thread_local map;
// when the thread exits the map is merged into the process's totals. At the
// end of each process image one JSON line is appended to out=FILE (default
// standard error):
//
//   {"pid":123,"calls":N,"distinct":K,"top":"read"}
//
// Build: g++ -shared -fPIC -O2 -Inative/include -o cxx_stats.so cxx_stats.cc
#include <trapline/plugin.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

const trapline_host *host;
std::string out_path;

using Counts = std::unordered_map<std::string, unsigned long long>;

// One process image's totals (the per-process context).
struct Totals {
    std::mutex lock;
    Counts counts;
    void merge(const Counts &c)
    {
        std::lock_guard<std::mutex> g(lock);
        for (const auto &[name, n] : c)
            counts[name] += n;
    }
};

// This thread's counts and the process they belong to. A thread's counts
// move to the totals when it exits, or when the image ends.
struct ThreadCounts {
    Counts counts;
    Totals *owner = nullptr;
};
thread_local ThreadCounts mine;

void flush_thread(Totals *t)
{
    if (mine.owner == t && !mine.counts.empty())
        t->merge(mine.counts);
    mine.counts.clear();
    mine.owner = t;
}

int init(const trapline_init *in)
{
    host = in->host;
    for (size_t i = 0; i < in->option_count; i++) {
        std::string key = in->options[i].key;
        if (key == "out") {
            out_path = in->options[i].value;
        } else {
            std::snprintf(in->error, in->error_size, "unknown option '%s' (known: out=FILE)", key.c_str());
            return -1;
        }
    }
    host->subscribe_all_syscalls(in->handle);
    *in->context = new Totals;
    return 0;
}

int before_syscall(const trapline_event *ev, trapline_syscall *call)
{
    auto *t = static_cast<Totals *>(ev->context);
    if (mine.owner != t)
        flush_thread(mine.owner == nullptr ? t : t); // a new process: start afresh
    const char *name = host->syscall_name(call->nr);
    mine.counts[name ? std::string(name) : "syscall_" + std::to_string(call->nr)]++;
    return TRAPLINE_CONTINUE;
}

void thread_exit(const trapline_event *ev)
{
    flush_thread(static_cast<Totals *>(ev->context));
}

void fork_child(const trapline_event *, void **context)
{
    *context = new Totals;
}

void process_exit(const trapline_event *ev, int, int)
{
    auto *t = static_cast<Totals *>(ev->context);
    flush_thread(t);
    std::lock_guard<std::mutex> g(t->lock);
    unsigned long long calls = 0, best = 0;
    std::string top;
    for (const auto &[name, n] : t->counts) {
        calls += n;
        if (n > best || (n == best && name < top))
            best = n, top = name;
    }
    std::string line = "{\"pid\":" + std::to_string(ev->pid) + ",\"calls\":" + std::to_string(calls) +
                       ",\"distinct\":" + std::to_string(t->counts.size()) + ",\"top\":\"" + top + "\"}\n";
    std::FILE *f = out_path.empty() ? stderr : std::fopen(out_path.c_str(), "a");
    if (!f)
        return;
    std::fputs(line.c_str(), f);
    if (f != stderr)
        std::fclose(f);
    else
        std::fflush(f);
}

const trapline_plugin plugin = [] {
    trapline_plugin p{};
    p.abi_version = TRAPLINE_ABI_VERSION;
    p.isolation = TRAPLINE_ISOLATED;
    p.name = "cxx-stats";
    p.init = init;
    p.before_syscall = before_syscall;
    p.thread_exit = thread_exit;
    p.fork_child = fork_child;
    p.process_exit = process_exit;
    return p;
}();

} // namespace

extern "C" __attribute__((visibility("default"))) const trapline_plugin *trapline_plugin_entry()
{
    return &plugin;
}
