// connwatch's benchmarks. Release build: `make bench` (scripts/bench.sh) runs every mode and writes
// bench/RESULTS.md. Modes:
//   connwatch-bench [engine]            in-process decode + state + rules (BENCH_CLIENTS, BENCH_ROUNDS)
//   connwatch-bench gen FILE N CLIENTS  N Watson IoT payloads, one per line
//   connwatch-bench feed PORT N         the MQTT source + decode + engine, until N messages arrived
//   connwatch-bench memory CLIENTS [ROUNDS] [RULES]  engine RSS per tracked client (ROUNDS connects and
//                                       disconnects each; RULES all|none|offline|counting|fleet)
//   connwatch-bench storm CLIENTS       CLIENTS disconnects within one second, fleet_offline rule
//   connwatch-bench config PORT         the configuration of the storm (and of the idle daemon)
//   connwatch-bench restart DIR CLIENTS reading CLIENTS clients back from a store (filled if needed)
//   connwatch-bench api DIR CLIENTS     one API page from a store of CLIENTS clients (filled if needed)
//   connwatch-bench growth flap|scan [N] engine RSS growth over N events for 10 clients (1 800 000)
import ConnWatchCore
import Foundation

let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "engine"
func argument(_ index: Int, _ fallback: Int) -> Int {
    arguments.count > index ? Int(arguments[index]) ?? fallback : fallback
}

switch mode {
case "gen":
    guard arguments.count > 2 else {
        print("usage: connwatch-bench gen FILE COUNT CLIENTS")
        exit(2)
    }
    generateFile(path: arguments[2], count: argument(3, 500_000), clients: argument(4, 100_000))
case "feed":
    await runFeed(port: argument(2, 1883), count: argument(3, 500_000))
case "config":
    // config PORT [API-PORT [all]]: the daemon's configuration for the bench; `all` adds every rule kind.
    print(
        benchConfig(
            port: argument(2, 1883),
            apiPort: arguments.count > 3 ? argument(3, 9467) : nil,
            everyKind: arguments.count > 4 && arguments[4] == "all"
        )
    )
case "memory":
    runMemory(
        clients: argument(2, 100_000),
        rounds: argument(3, 1),
        rules: arguments.count > 4 ? arguments[4] : "all"
    )
case "storm":
    runStorm(clients: argument(2, 100_000))
case "restart":
    guard arguments.count > 2 else {
        print("usage: connwatch-bench restart DIR CLIENTS")
        exit(2)
    }
    runRestart(directory: arguments[2], clients: argument(3, 1_000_000))
case "api":
    guard arguments.count > 2 else {
        print("usage: connwatch-bench api DIR CLIENTS")
        exit(2)
    }
    runAPIPages(directory: arguments[2], clients: argument(3, 1_000_000))
case "growth":
    runGrowth(variant: arguments.count > 2 ? arguments[2] : "flap", events: argument(3, 1_800_000))
case "engine":
    runEngine(clients: environmentInt("BENCH_CLIENTS", 100_000), rounds: environmentInt("BENCH_ROUNDS", 10))
default:
    print("unknown mode \(mode); modes: engine, gen, feed, memory, storm, config, restart, api, growth")
    exit(2)
}
