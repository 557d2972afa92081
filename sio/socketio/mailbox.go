package socketio

import "sync"

// mailbox runs a socket's handlers one at a time, in the order they were
// posted, as Channels runs a consumer's handlers. A goroutine exists only
// while there is work: it is started by the post that finds the mailbox
// idle and ends when the mailbox is empty, so an idle socket costs no
// goroutine. Its goroutines are counted in wg, the server's.
type mailbox struct {
	mu      sync.Mutex
	tasks   []func()
	running bool
}

func (m *mailbox) post(wg *sync.WaitGroup, task func()) {
	m.mu.Lock()
	m.tasks = append(m.tasks, task)
	if m.running {
		m.mu.Unlock()
		return
	}
	m.running = true
	m.mu.Unlock()
	wg.Add(1)
	go m.run(wg)
}

func (m *mailbox) run(wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		m.mu.Lock()
		if len(m.tasks) == 0 {
			m.running = false
			m.tasks = nil
			m.mu.Unlock()
			return
		}
		task := m.tasks[0]
		m.tasks[0] = nil
		m.tasks = m.tasks[1:]
		m.mu.Unlock()
		task()
	}
}
