import Foundation
import Glibc

/// An HTTP client on libcurl for webhook delivery.
///
/// `curl_easy_perform` blocks, so transfers run on a few dedicated worker threads (never on Swift's
/// cooperative pool). Each worker owns one long-lived easy handle, so connections to an endpoint are
/// kept alive and reused. Requests wait in a FIFO queue; `send` suspends until a worker finishes the request.
/// Proxy settings from the environment (`https_proxy`, `no_proxy`, ...) are honoured by libcurl.
public final class CurlHTTPClient: Sendable {
    private let queue: CurlRequestQueue

    /// Starts `workers` threads (at least one); `userAgent` is sent as `User-Agent` unless a request sets its own.
    public init(workers: Int = 2, userAgent: String = "connwatch") {
        ensureCurlGlobalSetUp()
        queue = CurlRequestQueue()
        for _ in 0..<max(1, workers) {
            queue.startWorker(userAgent: userAgent)
        }
    }

    deinit {
        queue.shutdown()
    }

    /// Sends `request` and returns the server's response, whatever its status code.
    ///
    /// Throws when no response was received: connection or TLS failure, timeout (`isTimeout`), task
    /// cancellation or a shut-down client (code 42), or a malformed request (code 43).
    public func send(_ request: HTTPRequest) async throws(HTTPTransportError) -> HTTPResponse {
        let cancellation = CancellationFlag()
        let id = queue.nextID()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CurlJob.Outcome, Never>) in
                let job = CurlJob(id: id, request: request, cancellation: cancellation, continuation: continuation)
                queue.enqueue(job)
            }
        } onCancel: {
            cancellation.set()
            queue.cancelQueued(id: id)
        }
        return try result.get()
    }

    /// Stops the client: requests still waiting in the queue (and later calls to ``send(_:)``) fail with
    /// code 42, transfers already running finish (bounded by their timeouts), then the worker threads are joined.
    /// Safe to call more than once; must not be called from inside a transfer.
    public func shutdown() {
        queue.shutdown()
    }
}

/// One queued request and the continuation waiting for it. Whoever removes the job from the queue resumes it.
final class CurlJob: Sendable {
    typealias Outcome = Result<HTTPResponse, HTTPTransportError>

    let id: UInt64
    let request: HTTPRequest
    let cancellation: CancellationFlag
    private let continuation: CheckedContinuation<Outcome, Never>

    init(
        id: UInt64,
        request: HTTPRequest,
        cancellation: CancellationFlag,
        continuation: CheckedContinuation<Outcome, Never>
    ) {
        self.id = id
        self.request = request
        self.cancellation = cancellation
        self.continuation = continuation
    }

    func finish(_ outcome: Outcome) {
        continuation.resume(returning: outcome)
    }

    var origin: String { URLRedaction(url: request.url).origin }
}

/// The FIFO between `send` and the worker threads, plus the workers' thread handles.
/// All mutable state is guarded by `condition`.
final class CurlRequestQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [CurlJob] = []
    private var head = 0
    private var isClosed = false
    private var threads: [pthread_t] = []
    private var idCounter: UInt64 = 0

    func nextID() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        idCounter += 1
        return idCounter
    }

    func enqueue(_ job: CurlJob) {
        condition.lock()
        if isClosed || threads.isEmpty {
            let closed = isClosed
            condition.unlock()
            if closed {
                job.finish(.failure(.shutDown(origin: job.origin)))
            } else {
                job.finish(.failure(HTTPTransportError(code: 2, message: "no worker thread [\(job.origin)]")))
            }
            return
        }
        pending.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Blocks until a job is available; `nil` once the queue is closed.
    func next() -> CurlJob? {
        condition.lock()
        defer { condition.unlock() }
        while head == pending.count && !isClosed {
            condition.wait()
        }
        if isClosed { return nil }
        let job = pending[head]
        head += 1
        if head > 64 && head * 2 > pending.count {
            pending.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Removes a job that no worker has taken yet and fails it as cancelled.
    func cancelQueued(id: UInt64) {
        condition.lock()
        var removed: CurlJob?
        if let index = pending[head...].firstIndex(where: { $0.id == id }) {
            removed = pending.remove(at: index)
        }
        condition.unlock()
        if let removed {
            removed.finish(.failure(.cancelled(origin: removed.origin)))
        }
    }

    func startWorker(userAgent: String) {
        let worker = CurlWorker(queue: self, userAgent: userAgent)
        let context = Unmanaged.passRetained(worker).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread,
            nil,
            { argument in
                guard let argument else { return nil }
                Unmanaged<CurlWorker>.fromOpaque(argument).takeRetainedValue().run()
                return nil
            },
            context
        )
        if rc != 0 {
            Unmanaged<CurlWorker>.fromOpaque(context).release()
            return
        }
        condition.lock()
        threads.append(thread)
        condition.unlock()
    }

    func shutdown() {
        condition.lock()
        isClosed = true
        let abandoned = Array(pending[head...])
        pending.removeAll()
        head = 0
        let toJoin = threads
        threads.removeAll()
        condition.broadcast()
        condition.unlock()
        for job in abandoned {
            job.finish(.failure(.shutDown(origin: job.origin)))
        }
        let current = pthread_self()
        for thread in toJoin where pthread_equal(thread, current) == 0 {
            pthread_join(thread, nil)
        }
    }
}

/// The body of one worker thread: takes jobs and runs them on its own easy handle.
private final class CurlWorker {
    let queue: CurlRequestQueue
    let userAgent: String

    init(queue: CurlRequestQueue, userAgent: String) {
        self.queue = queue
        self.userAgent = userAgent
    }

    func run() {
        var easy: CurlEasyHandle?
        while let job = queue.next() {
            if easy == nil {
                easy = CurlEasyHandle(userAgent: userAgent)
            }
            guard let handle = easy else {
                job.finish(.failure(HTTPTransportError(code: 2, message: "curl_easy_init failed [\(job.origin)]")))
                continue
            }
            job.finish(handle.perform(job.request, cancellation: job.cancellation))
        }
    }
}
