// SPDX-License-Identifier: Apache-2.0
// A TEST DOUBLE of the part of libdispatch the addon uses: serial queues, each
// a thread running its blocks in order (dispatch_async/dispatch_sync), with
// retain/release. Like libdispatch, dispatch_sync onto the calling queue would
// deadlock; the addon never does that. Never shipped.
#include <Block.h>
#include <dispatch/dispatch.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace {

struct Queue {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<dispatch_block_t> blocks;
  std::atomic<int> refs{1};
  bool stopping = false;
  std::thread thread;

  Queue() : thread([this] { Run(); }) {}

  void Run() {
    for (;;) {
      dispatch_block_t block;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [this] { return stopping || !blocks.empty(); });
        if (blocks.empty()) return;  // stopping and drained
        block = blocks.front();
        blocks.pop_front();
      }
      block();
      Block_release(block);
    }
  }

  void Push(dispatch_block_t block) {
    std::lock_guard<std::mutex> lock(mutex);
    blocks.push_back(Block_copy(block));
    wake.notify_one();
  }
};

Queue* Q(void* queue) { return reinterpret_cast<Queue*>(queue); }

void ReleaseQueue(Queue* queue) {
  if (--queue->refs != 0) return;
  {
    std::lock_guard<std::mutex> lock(queue->mutex);
    queue->stopping = true;
    queue->wake.notify_one();
  }
  if (std::this_thread::get_id() == queue->thread.get_id()) {
    // Released by one of its own blocks: let the thread drain and end alone.
    queue->thread.detach();
    return;  // leaked on purpose: the detached thread still uses it
  }
  queue->thread.join();
  delete queue;
}

}  // namespace

extern "C" {

dispatch_queue_t dispatch_queue_create(const char*, dispatch_queue_attr_t) {
  return reinterpret_cast<dispatch_queue_t>(new Queue());
}

void dispatch_async(dispatch_queue_t queue, dispatch_block_t block) {
  Q(queue)->Push(block);
}

void dispatch_sync(dispatch_queue_t queue, dispatch_block_t block) {
  struct Done {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
  } state;
  Done* done = &state;  // outlives the block: this call waits for it
  Q(queue)->Push(^{
    block();
    std::lock_guard<std::mutex> lock(done->mutex);
    done->done = true;
    done->cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(state.mutex);
  state.cv.wait(lock, [&state] { return state.done; });
}

void dispatch_retain(dispatch_object_t object) { Q(object)->refs++; }

void dispatch_release(dispatch_object_t object) { ReleaseQueue(Q(object)); }

}  // extern "C"
