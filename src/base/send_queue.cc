/*
 * Messages a peer has not taken yet: bounded, sent in order
 */

#include <nestbox/base/send_queue.h>

using namespace nestbox;

Result<Send_queue::Sent> Send_queue::send(int fd, Msg_writer &w)
{
	if (w.overflow())
		return failure(Error::INVALID_ARGS);

	/* nothing may overtake what waits already */
	if (_messages.empty()) {
		auto sent = Channel::send_nonblocking(fd, w);
		if (sent) return Sent::NOW;
		if (sent.error() != Error::UNAVAILABLE) return failure(sent.error());
	}

	if (_bounded && (_messages.size() >= MAX_MESSAGES || _bytes + w.size() > MAX_BYTES)) {
		w.release_caps();
		return failure(Error::OUT_OF_RAM);
	}

	Message &m = _messages.emplace_back();
	m.bytes.assign(w.data(), w.data() + w.size());
	for (unsigned i = 0; i < w.num_caps(); i++)
		m.caps[i] = w.take_cap(i);
	m.num_caps = w.num_caps();
	w.release_caps();
	_bytes += m.bytes.size();
	return Sent::QUEUED;
}


Result<bool> Send_queue::flush(int fd)
{
	while (!_messages.empty()) {
		Message &m = _messages.front();
		int fds[MAX_MSG_CAPS];
		for (unsigned i = 0; i < m.num_caps; i++)
			fds[i] = m.caps[i].get();

		auto sent = Channel::send_raw(fd, m.bytes.data(), m.bytes.size(), fds, m.num_caps, true);
		if (!sent && sent.error() == Error::OUT_OF_CAPS && m.num_caps) {
			/* its descriptors cannot travel now: what arrives is an error, not nothing */
			_bytes -= m.bytes.size() - sizeof(Msg_header);
			m.bytes.resize(sizeof(Msg_header));
			reinterpret_cast<Msg_header *>(m.bytes.data())->status = int32_t(Error::OUT_OF_CAPS);
			for (auto &c : m.caps) c.reset();
			m.num_caps = 0;
			continue;
		}
		if (!sent) {
			if (sent.error() == Error::UNAVAILABLE) return false;
			return failure(sent.error());
		}
		_bytes -= m.bytes.size();
		_messages.pop_front();
	}
	return true;
}
