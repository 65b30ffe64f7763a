#!/usr/bin/env python3
"""
Audio chains end to end: the files audio_file writes, checked numerically.

Groups (one CTest test each):
  passthrough  a 16-bit stereo WAV (left a sine, right noise) from
               audio_file's input through 16 gain filters at 0 dB and the
               mixer back into audio_file's output, freewheeling: the
               output's samples are the input's, bit for bit, channels
               neither swapped nor shifted
  gain         a float WAV through gain db="-6": every sample of the output
               is the input's at -6 dB within 0.001 dB
  eq           six tones through three biquad bands (low shelf, peak, high
               shelf): each tone's level out is the cookbook formula's
               response at its frequency within 0.1 dB
  delay        an impulse in each channel through delay frames="480": each
               comes out exactly 480 frames later, unchanged, alone (the
               latency is the declared latency)
  meter        a 0.5 sine through meter: every 100 ms of audio it logs
               -6.02 dB peak and -9.03 dB RMS for both channels
  compressor   a constant 0.5 (-6.02 dBFS) through a 4:1 compressor at
               -20 dB: the output settles at -16.51 dBFS within 0.01 dB,
               falling monotonically during the attack
  player       a 16-bit FLAC file through player and the mixer: what
               audio_file writes is the file's samples, bit for bit
  ramp         the generator's constant 0.5 through gain; audio_file pauses
               at 48000 frames, the gain is changed live to -20 dB, then
               audio_file goes on: the output falls from 0.5 to 0.05 once,
               no step larger than 0.45 / 240 (a 5 ms ramp at 48 kHz), and
               holds 0.05 after the ramp
  live         live changes with a 5 ms ramp, each made while audio_file is
               paused: the generator's amplitude (0.5 to 0.1) and the
               compressor's makeup gain (0 to -20 dB) move once, no step
               larger than the difference / 240; the delay's tap (0 to 480
               frames) crossfades on a rising input with no step larger
               than three times the input's, and is exact afterwards
  mixer        two generators into one mix (a constant 0.25 at volume 1, a
               constant 0.5 at volume 0.5), one of them also into a second
               mix; then the second generator's volume goes to 0 live: the
               left output is 0.25 for 48000 frames, 0.5 for 48000 frames
               once both play, then falls over a 5 ms ramp (no step larger
               than 0.25 / 240) and stays 0.25; the right output is 0.25
               throughout
  timer        audio_file clocked by the timer records a generator in real
               time: it writes the frames it was asked for, with the tone
               in them (no timing is asserted: late periods are silence)

Usage: audio_test.py NESTBOX GROUP
Exits 77 (skipped) when sox is missing (under CI=true that fails instead)
or when audio_file was not built (no libsndfile).
"""

import math
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ci_skip  # noqa: E402  (tests/ci_skip.py: skipped here, failed under CI)
import nestbox_run  # noqa: E402
from nestbox_run import Failure  # noqa: E402

RATE = 48000


PARENT = """<parent-provides><service name="LOG"/><service name="ROM"/><service name="PD"/>
	<service name="CPU"/><service name="Timer"/><service name="Report"/></parent-provides>
	<default-route><any-service><parent/></any-service></default-route>
	<default caps="100" ram="1M"/>"""


def route(service, child):
    return f"""<route><service name="{service}"><child name="{child}"/></service>
		<any-service><parent/></any-service></route>"""


def mixer(body, name="mixer"):
    return f"""<start name="{name}" ram="8M"><binary name="mixer"/>
		<provides><service name="Play"/><service name="Record"/></provides>
		<config freewheel="yes">{body}</config>
	</start>"""


STEREO_MIX = """<mix name="left"><play label_suffix="left"/></mix>
	<mix name="right"><play label_suffix="right"/></mix>
	<policy label_suffix="left" record="left"/>
	<policy label_suffix="right" record="right"/>"""


def gain(name, to, attrs='db="0"'):
    return f"""<start name="{name}" ram="4M"><binary name="gain"/>
		<provides><service name="Play"/></provides>
		<config {attrs}/>
		{route("Play", to)}
	</start>"""


def audio_file(out, frames, fmt, inp=None, play_to=None, record_from="mixer", attrs='clock="freewheel"'):
    files = f'<file path="{out}" writeable="yes"/>' + (f'<file path="{inp}"/>' if inp else "")
    routes = f'<service name="Record"><child name="{record_from}"/></service>'
    if play_to:
        routes += f'<service name="Play"><child name="{play_to}"/></service>'
    return f"""<start name="out" ram="8M"><binary name="audio_file"/>
		<host>{files}</host>
		<config {attrs} frames="{frames}" format="{fmt}"/>
		<route>{routes}<any-service><parent/></any-service></route>
	</start>"""


def generator(name, to, attrs):
    return f"""<start name="{name}" ram="4M"><binary name="generator"/>
		<config {attrs}/>
		{route("Play", to)}
	</start>"""


def Run(nestbox, config_path):
    return nestbox_run.Run(nestbox, config_path, timeout=120, wait_timeout=90)


def write_config(path, body):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(f"<config>{PARENT}{body}</config>\n")
    os.replace(tmp, path)


def empty_file(path):
    """core opens granted files, it creates none; sealed components run as nobody"""
    open(path, "wb").close()
    os.chmod(path, 0o666)


def sox(*args):
    subprocess.run(["sox", "-V1", *args], check=True)


def raw_floats(path):
    """
    A 32-bit float WAV's samples, interleaved, read here and not by our
    code (sox reads float WAVs at 25 bits of precision, too coarse for
    0.001 dB on quiet samples)
    """
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise Failure(f"{path} is no WAV file")
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        tag, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8:pos + 8 + size]
        if tag == b"fmt ":
            fmt = struct.unpack_from("<HHIIHH", body)
        elif tag == b"data":
            if not fmt or fmt[0] not in (3, 0xFFFE) or fmt[5] != 32:
                raise Failure(f"{path} holds no 32-bit float samples (fmt {fmt})")
            return list(struct.unpack(f"<{len(body) // 4}f", body[:len(body) // 4 * 4]))
        pos += 8 + size + (size & 1)
    raise Failure(f"{path} has no data chunk")


def write_float_wav(path, channels):
    """a 32-bit float WAV of 'channels' lists of samples"""
    n = len(channels)
    data = struct.pack(f"<{n * len(channels[0])}f",
                       *[channels[c][i] for i in range(len(channels[0])) for c in range(n)])
    fmt = struct.pack("<HHIIHH", 3, n, RATE, RATE * 4 * n, 4 * n, 32)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", len(data)) + data)
    os.chmod(path, 0o644)


def raw_int16(path):
    data = subprocess.run(["sox", "-V1", path, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", "-"],
                          check=True, capture_output=True).stdout
    return data


def channels_of(samples, n):
    return [samples[c::n] for c in range(n)]


def group_passthrough(nestbox, tmp):
    inp, out = os.path.join(tmp, "in.wav"), os.path.join(tmp, "out.wav")
    sox("-n", "-r", str(RATE), "-c", "2", "-b", "16", inp, "synth", "1", "sine", "997", "whitenoise", "vol", "0.7")
    os.chmod(inp, 0o644)
    empty_file(out)

    chain = "".join(gain(f"g{i}", f"g{i + 1}" if i < 16 else "mixer") for i in range(1, 17))
    config = os.path.join(tmp, "passthrough.xml")
    write_config(config, mixer(STEREO_MIX) + chain
                 + audio_file(out, RATE, "pcm16", inp=inp, play_to="g1"))
    run = Run(nestbox, config)
    try:
        run.wait_for("[init -> out] audio_file: played 48000 frames from")
        run.wait_for(f"[init -> out] audio_file: wrote {RATE} frames to {out}")
    finally:
        run.stop()

    a, b = raw_int16(inp), raw_int16(out)
    if len(a) != len(b):
        raise Failure(f"the output holds {len(b) // 4} frames, the input {len(a) // 4}")
    if a != b:
        first = next(i for i in range(len(a)) if a[i] != b[i])
        raise Failure(f"the output differs from the input first at frame {first // 4}, "
                      f"channel {(first // 2) % 2}")
    print("passthrough: 16 unity gains, 48000 stereo frames bit-exact")


def group_gain(nestbox, tmp):
    inp, out = os.path.join(tmp, "in.wav"), os.path.join(tmp, "out.wav")
    sox("-n", "-r", str(RATE), "-c", "2", "-e", "floating-point", "-b", "32", inp,
        "synth", "1", "sine", "1000", "sine", "251", "vol", "0.9")
    os.chmod(inp, 0o644)
    empty_file(out)

    config = os.path.join(tmp, "gain.xml")
    write_config(config, mixer(STEREO_MIX) + gain("gain", "mixer", 'db="-6"')
                 + audio_file(out, RATE, "float", inp=inp, play_to="gain"))
    run = Run(nestbox, config)
    try:
        run.wait_for(f"[init -> out] audio_file: wrote {RATE} frames to {out}")
    finally:
        run.stop()

    x, y = raw_floats(inp), raw_floats(out)
    if len(x) != len(y):
        raise Failure(f"{len(y)} samples out, {len(x)} in")
    worst, checked = 0.0, 0
    for a, b in zip(x, y):
        if abs(a) < 1e-3:
            continue
        checked += 1
        worst = max(worst, abs(20 * math.log10(b / a) + 6.0) if b / a > 0 else float("inf"))
    if checked < len(x) // 2:
        raise Failure(f"only {checked} samples were loud enough to check")
    if worst >= 0.001:
        raise Failure(f"a sample is off -6 dB by {worst:.6f} dB (at most 0.001 dB allowed)")
    print(f"gain: {checked} samples at -6 dB, worst error {worst:.2e} dB")


def cookbook(kind, f0, gain_db, q):
    """Robert Bristow-Johnson's biquad coefficients, written here independently of biquad.h"""
    a = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * f0 / RATE
    cw, sw = math.cos(w0), math.sin(w0)
    if kind == "peak":
        alpha = sw / (2 * q)
        b, an = [1 + alpha * a, -2 * cw, 1 - alpha * a], [1 + alpha / a, -2 * cw, 1 - alpha / a]
    else:
        alpha = sw / 2 * math.sqrt((a + 1 / a) * (1 / q - 1) + 2)
        s = 2 * math.sqrt(a) * alpha
        if kind == "low_shelf":
            b = [a * ((a + 1) - (a - 1) * cw + s), 2 * a * ((a - 1) - (a + 1) * cw), a * ((a + 1) - (a - 1) * cw - s)]
            an = [(a + 1) + (a - 1) * cw + s, -2 * ((a - 1) + (a + 1) * cw), (a + 1) + (a - 1) * cw - s]
        else:
            b = [a * ((a + 1) + (a - 1) * cw + s), -2 * a * ((a - 1) + (a + 1) * cw), a * ((a + 1) + (a - 1) * cw - s)]
            an = [(a + 1) - (a - 1) * cw + s, 2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - s]
    return b, an


def response_db(bands, f):
    z1 = complex(math.cos(2 * math.pi * f / RATE), -math.sin(2 * math.pi * f / RATE))
    h = 1
    for b, a in bands:
        h *= (b[0] + b[1] * z1 + b[2] * z1 * z1) / (a[0] + a[1] * z1 + a[2] * z1 * z1)
    return 20 * math.log10(abs(h))


def amplitude_at(samples, f):
    """the amplitude of frequency 'f' in 'samples' (a whole number of its cycles)"""
    re = sum(v * math.cos(2 * math.pi * f * i / RATE) for i, v in enumerate(samples))
    im = sum(v * math.sin(2 * math.pi * f * i / RATE) for i, v in enumerate(samples))
    return 2 * math.hypot(re, im) / len(samples)


def group_eq(nestbox, tmp):
    inp, out = os.path.join(tmp, "in.wav"), os.path.join(tmp, "out.wav")
    tones = [50, 200, 1000, 2500, 6000, 12000]   # each a whole number of cycles in 0.8 s
    frames = RATE
    signal = [sum(0.1 * math.sin(2 * math.pi * f * i / RATE + k) for k, f in enumerate(tones)) for i in range(frames)]
    write_float_wav(inp, [signal, signal])
    empty_file(out)

    bands = [("low_shelf", 200, -4, 0.8), ("peak", 1000, 6, 1.0), ("high_shelf", 8000, 3, 0.7)]
    nodes = "".join(f'<band type="{t}" frequency="{f}" gain_db="{g}" q="{q}"/>' for t, f, g, q in bands)
    config = os.path.join(tmp, "eq.xml")
    write_config(config, mixer(STEREO_MIX) + f"""<start name="eq" ram="4M"><binary name="eq"/>
		<provides><service name="Play"/></provides>
		<config>{nodes}</config>
		{route("Play", "mixer")}
	</start>""" + audio_file(out, frames, "float", inp=inp, play_to="eq"))
    run = Run(nestbox, config)
    try:
        run.wait_for(f"[init -> out] audio_file: wrote {frames} frames to {out}")
    finally:
        run.stop()

    coefficients = [cookbook(t, f, g, q) for t, f, g, q in bands]
    skip = RATE // 5   # the filters' transient
    for c, y in enumerate(channels_of(raw_floats(out), 2)):
        for f in tones:
            measured = 20 * math.log10(amplitude_at(y[skip:], f) / amplitude_at(signal[skip:], f))
            expected = response_db(coefficients, f)
            if abs(measured - expected) >= 0.1:
                raise Failure(f"channel {c}, {f} Hz: {measured:.4f} dB, the biquads' formula says {expected:.4f} dB")
            print(f"eq: channel {c}, {f} Hz: {measured:+.4f} dB (formula {expected:+.4f} dB)")


def filter_start(binary, attrs, to="mixer"):
    return f"""<start name="{binary}" ram="4M"><binary name="{binary}"/>
		<provides><service name="Play"/></provides>
		<config {attrs}/>
		{route("Play", to)}
	</start>"""


def group_delay(nestbox, tmp):
    inp, out = os.path.join(tmp, "in.wav"), os.path.join(tmp, "out.wav")
    left, right = [0.0] * RATE, [0.0] * RATE
    left[1000], right[30000] = 0.8, -0.6
    write_float_wav(inp, [left, right])
    empty_file(out)
    config = os.path.join(tmp, "delay.xml")
    write_config(config, mixer(STEREO_MIX) + filter_start("delay", 'frames="480"')
                 + audio_file(out, RATE, "float", inp=inp, play_to="delay"))
    run = Run(nestbox, config)
    try:
        run.wait_for(f"[init -> out] audio_file: wrote {RATE} frames to {out}")
    finally:
        run.stop()
    y = channels_of(raw_floats(out), 2)
    for c, (at, value) in enumerate([(1480, 0.8), (30480, -0.6)]):
        found = [(i, v) for i, v in enumerate(y[c]) if v != 0.0]
        if found != [(at, struct.unpack("<f", struct.pack("<f", value))[0])]:
            raise Failure(f"channel {c}: the impulse came out as {found[:5]}, expected {value} at frame {at}")
    print("delay: each impulse 480 frames later, nothing else")


def group_meter(nestbox, tmp):
    out = os.path.join(tmp, "out.wav")
    empty_file(out)
    config = os.path.join(tmp, "meter.xml")
    write_config(config, mixer(STEREO_MIX) + filter_start("meter", 'log="yes" report="no" interval_ms="100"')
                 + generator("gen", "meter", 'frequency="1000" amplitude="0.5"')
                 + audio_file(out, RATE, "float"))
    run = Run(nestbox, config)
    try:
        for frame in (4800, 48000):
            run.wait_for(f"[init -> meter] levels at frame {frame}: left peak -6.02 dB rms -9.03 dB "
                         "right peak -6.02 dB rms -9.03 dB")
    finally:
        run.stop()
    print("meter: a 0.5 sine is -6.02 dB peak, -9.03 dB RMS")


def group_compressor(nestbox, tmp):
    out = os.path.join(tmp, "out.wav")
    empty_file(out)
    config = os.path.join(tmp, "compressor.xml")
    write_config(config, mixer(STEREO_MIX)
                 + filter_start("compressor", 'threshold_db="-20" ratio="4" attack_ms="1" release_ms="50"')
                 + generator("gen", "compressor", 'wave="square" frequency="0" amplitude="0.5"')
                 + audio_file(out, RATE, "float"))
    run = Run(nestbox, config)
    try:
        run.wait_for(f"[init -> out] audio_file: wrote {RATE} frames to {out}")
    finally:
        run.stop()
    level = 20 * math.log10(0.5)
    expected = level - (level + 20) * (1 - 1 / 4)
    for c, y in enumerate(channels_of(raw_floats(out), 2)):
        got = 20 * math.log10(y[-1])
        if abs(got - expected) > 0.01:
            raise Failure(f"channel {c}: {got:.4f} dB out of a 4:1 compressor at -20 dB, expected {expected:.4f} dB")
        if any(b > a + 1e-7 for a, b in zip(y[:RATE // 10], y[1:RATE // 10])):
            raise Failure(f"channel {c}: the gain rose during the attack")
        print(f"compressor: channel {c} settles at {got:.4f} dB (expected {expected:.4f} dB)")


def group_player(nestbox, tmp):
    inp, out = os.path.join(tmp, "in.flac"), os.path.join(tmp, "out.wav")
    sox("-n", "-r", str(RATE), "-c", "2", "-b", "16", inp, "synth", "1", "whitenoise", "sine", "440", "vol", "0.5")
    os.chmod(inp, 0o644)
    empty_file(out)
    config = os.path.join(tmp, "player.xml")
    write_config(config, mixer(STEREO_MIX) + f"""<start name="player" ram="4M"><binary name="player"/>
		<host><file path="{inp}"/></host>
		<config/>
		{route("Play", "mixer")}
	</start>""" + audio_file(out, RATE, "pcm16"))
    run = Run(nestbox, config)
    try:
        run.wait_for(f"[init -> player] player: played {RATE} frames of {inp}")
        run.wait_for(f"[init -> out] audio_file: wrote {RATE} frames to {out}")
    finally:
        run.stop()
    if raw_int16(inp) != raw_int16(out):
        raise Failure("what audio_file wrote is not the FLAC file's samples")
    print("player: a 16-bit FLAC file played bit-exact")


def group_ramp(nestbox, tmp):
    out = os.path.join(tmp, "out.wav")
    empty_file(out)
    frames = 4 * RATE
    config = os.path.join(tmp, "ramp.xml")

    def body(gain_db, pause):
        return (mixer(STEREO_MIX) + gain("gain", "mixer", f'db="{gain_db}"')
                + generator("gen", "gain", f'wave="square" frequency="0" amplitude="0.5" frames="{frames}"')
                + audio_file(out, frames, "float", attrs=f'clock="freewheel" {pause}'))

    write_config(config, body(0, f'pause_at="{RATE}"'))
    run = Run(nestbox, config)
    try:
        run.wait_for(f"[init -> out] audio_file: paused at {RATE} frames")
        write_config(config, body(-20, f'pause_at="{RATE}"'))
        run.wait_for("[init -> gain] gain 0.1")
        write_config(config, body(-20, ""))
        run.wait_for(f"[init -> out] audio_file: wrote {frames} frames to {out}")
    finally:
        run.stop()

    bound = 0.45 / 240 * (1 + 1e-4)
    for c, s in enumerate(channels_of(raw_floats(out), 2)):
        if len(s) != frames:
            raise Failure(f"channel {c}: {len(s)} frames, expected {frames}")
        if s[0] != 0.5:
            raise Failure(f"channel {c} starts at {s[0]}, not 0.5")
        first_low = next((i for i, v in enumerate(s) if v < 0.5), None)
        if first_low is None:
            raise Failure(f"channel {c}: the gain change never arrived")
        if first_low < RATE:
            raise Failure(f"channel {c}: the gain changed at frame {first_low}, before the change was made")
        steps = [abs(s[i + 1] - s[i]) for i in range(len(s) - 1)]
        worst = max(steps)
        if worst > bound:
            at = steps.index(worst)
            raise Failure(f"channel {c}: a step of {worst:.6f} at frame {at} (the ramp allows {bound:.6f})")
        ramp_end = first_low + 240
        if any(abs(v - 0.05) > 1e-6 for v in s[ramp_end:]):
            raise Failure(f"channel {c}: not 0.05 after the ramp")
        print(f"ramp: channel {c} falls from frame {first_low - 1}, largest step {worst:.6f} <= {bound:.6f}")


def live_change(nestbox, tmp, name, body, applied, frames):
    """
    Run body(False) until audio_file pauses at RATE frames, apply
    body(True), wait for the log line 'applied', go on to 'frames' frames;
    the output's channels
    """
    out = os.path.join(tmp, f"{name}.wav")
    empty_file(out)
    config = os.path.join(tmp, f"{name}.xml")

    def with_file(changed, pause):
        return body(changed) + audio_file(out, frames, "float", attrs=f'clock="freewheel" {pause}')

    write_config(config, with_file(False, f'pause_at="{RATE}"'))
    run = Run(nestbox, config)
    try:
        run.wait_for(f"[init -> out] audio_file: paused at {RATE} frames")
        write_config(config, with_file(True, f'pause_at="{RATE}"'))
        run.wait_for(applied)
        write_config(config, with_file(True, ""))
        run.wait_for(f"[init -> out] audio_file: wrote {frames} frames to {out}")
    finally:
        run.stop()
    return channels_of(raw_floats(out), 2)


def check_ramped(name, s, before, after, frames):
    """'s' holds 'before', moves to 'after' once over a 5 ms ramp, holds 'after'"""
    bound = abs(after - before) / 240 * (1 + 1e-4)
    start = next((i for i, v in enumerate(s) if abs(v - before) > 1e-7), None)
    if start is None or start < RATE:
        raise Failure(f"{name}: the change arrived at frame {start}, not after the pause at {RATE}")
    worst = max(abs(s[i + 1] - s[i]) for i in range(len(s) - 1))
    if worst > bound:
        raise Failure(f"{name}: a step of {worst:.7f}, the 5 ms ramp allows {bound:.7f}")
    if any(abs(v - after) > 1e-6 for v in s[start + 240:]):
        raise Failure(f"{name}: not {after} after the ramp")
    print(f"live: {name} moves from frame {start}, largest step {worst:.7f} <= {bound:.7f}")


def group_live(nestbox, tmp):
    frames = 3 * RATE
    dc = 'wave="square" frequency="0"'

    # the generator's amplitude
    channels = live_change(nestbox, tmp, "amplitude", lambda changed: mixer(STEREO_MIX)
                           + generator("gen", "mixer", f'{dc} amplitude="{0.1 if changed else 0.5}"'),
                           "[init -> gen] generator: square at 0.000000 Hz, amplitude 0.100000", frames)
    for c, s in enumerate(channels):
        check_ramped(f"generator amplitude, channel {c}", s, 0.5, 0.1, frames)

    # the compressor's makeup gain (the input stays below its threshold)
    channels = live_change(nestbox, tmp, "makeup", lambda changed: mixer(STEREO_MIX)
                           + filter_start("compressor", f'threshold_db="0" makeup_db="{-20 if changed else 0}"')
                           + generator("gen", "compressor", f'{dc} amplitude="0.5"'),
                           "[init -> compressor] compressor: threshold 0.000000 dB, ratio 4.000000, makeup -20", frames)
    for c, s in enumerate(channels):
        check_ramped(f"compressor makeup, channel {c}", s, 0.5, 0.05, frames)

    # the delay: a rising input, the tap crossfades from 0 to 480 frames back
    inp = os.path.join(tmp, "rising.wav")
    rising = [i / frames * 0.5 for i in range(frames)]
    write_float_wav(inp, [rising, rising])
    out = os.path.join(tmp, "delay.wav")
    empty_file(out)
    config = os.path.join(tmp, "delay.xml")

    def body(delay, pause):
        return (mixer(STEREO_MIX) + filter_start("delay", f'frames="{delay}"')
                + audio_file(out, frames, "float", inp=inp, play_to="delay", attrs=f'clock="freewheel" {pause}'))

    write_config(config, body(0, f'pause_at="{RATE}"'))
    run = Run(nestbox, config)
    try:
        run.wait_for(f"[init -> out] audio_file: paused at {RATE} frames")
        write_config(config, body(480, f'pause_at="{RATE}"'))
        run.wait_for("[init -> delay] delay: 480 frames")
        write_config(config, body(480, ""))
        run.wait_for(f"[init -> out] audio_file: wrote {frames} frames to {out}")
    finally:
        run.stop()
    x = [struct.unpack("<f", struct.pack("<f", v))[0] for v in rising]
    slope = 0.5 / frames
    for c, y in enumerate(channels_of(raw_floats(out), 2)):
        start = next((i for i in range(frames) if y[i] != x[i]), None)
        if start is None or start < RATE:
            raise Failure(f"delay, channel {c}: the change arrived at frame {start}")
        worst = max(abs(y[i + 1] - y[i]) for i in range(frames - 1))
        if worst > 3 * slope * (1 + 1e-3):
            raise Failure(f"delay, channel {c}: a step of {worst:.8f}, the crossfade allows {3 * slope:.8f}")
        if any(y[i] != x[i - 480] for i in range(start + 240, frames)):
            raise Failure(f"delay, channel {c}: not the input 480 frames back after the crossfade")
        print(f"live: delay channel {c} crossfades from frame {start}, largest step {worst:.8f}")


def group_mixer(nestbox, tmp):
    out = os.path.join(tmp, "out.wav")
    empty_file(out)
    frames = 3 * RATE
    config = os.path.join(tmp, "mixer.xml")

    def body(b_volume, pause):
        mix = f"""<mix name="left"><play label="a -> left"/><play label="b -> left" volume="{b_volume}"/></mix>
			<mix name="right"><play label="a -> right"/></mix>
			<policy label_suffix="left" record="left"/>
			<policy label_suffix="right" record="right"/>"""
        return (mixer(mix)
                + generator("a", "mixer", 'wave="square" frequency="0" amplitude="0.25"')
                + audio_file(out, frames, "float", attrs=f'clock="freewheel" {pause}'))

    b = generator("b", "mixer", 'wave="square" frequency="0" amplitude="0.5"')
    write_config(config, body("0.5", f'pause_at="{RATE}"'))
    run = Run(nestbox, config)
    try:
        # each step waits until the component it changes has applied it: no race, exact frames
        run.wait_for(f"[init -> out] audio_file: paused at {RATE} frames")
        write_config(config, body("0.5", f'pause_at="{RATE}"') + b)
        run.wait_for(f'[init -> mixer] Play session "b -> left" starts at frame {RATE} of left')
        write_config(config, body("0.5", f'pause_at="{2 * RATE}"') + b)
        run.wait_for(f"[init -> out] audio_file: paused at {2 * RATE} frames")
        write_config(config, body("0", f'pause_at="{2 * RATE}"') + b)
        run.wait_for('[init -> mixer] Play session "b -> left" plays into left at volume 0.0')
        write_config(config, body("0", "") + b)
        run.wait_for(f"[init -> out] audio_file: wrote {frames} frames to {out}")
    finally:
        run.stop()

    left, right = channels_of(raw_floats(out), 2)
    if any(v != 0.25 for v in right):
        raise Failure("the right mix holds more than generator a's 0.25")
    # 0.25 (a alone), 0.5 (a + b at half volume), 0.25 (b at volume 0)
    # 0.25 (a alone), 0.5 (a + b at half volume), a 5 ms ramp, 0.25 (b at volume 0)
    runs = []
    for v in left[:2 * RATE]:
        if not runs or runs[-1][0] != v:
            runs.append([v, 0])
        runs[-1][1] += 1
    if runs != [[0.25, RATE], [0.5, RATE]]:
        raise Failure(f"the left mix went through {runs[:10]} ([value, frames]), "
                      f"not 0.25 and 0.5 for {RATE} frames each")
    ramp = left[2 * RATE - 1:2 * RATE + 241]
    bound = 0.25 / 240 * (1 + 1e-4)
    steps = [ramp[i] - ramp[i + 1] for i in range(len(ramp) - 1)]
    if any(d < -1e-7 or d > bound for d in steps):
        raise Failure(f"the volume change is no ramp of 240 frames: steps {min(steps):.6f} to {max(steps):.6f}")
    if any(abs(v - 0.25) > 1e-7 for v in left[2 * RATE + 240:]):
        raise Failure("the left mix is not 0.25 after the volume ramp")
    print(f"mixer: left {runs}, right 0.25 throughout")


def group_timer(nestbox, tmp):
    out = os.path.join(tmp, "out.wav")
    empty_file(out)
    frames = 2 * RATE   # long enough that a slow start under load still leaves the tone in it
    config = os.path.join(tmp, "timer.xml")
    write_config(config, f"""<start name="mixer" ram="8M"><binary name="mixer"/>
		<provides><service name="Play"/><service name="Record"/></provides>
		<config>{STEREO_MIX}</config>
	</start>""" + generator("gen", "mixer", 'frequency="1000" amplitude="0.5"')
                 + audio_file(out, frames, "float", attrs='clock="timer" period="480"'))
    run = Run(nestbox, config)
    try:
        run.wait_for("clocked by the timer")
        run.wait_for(f"[init -> out] audio_file: wrote {frames} frames to {out}")
    finally:
        run.stop()
    left, right = channels_of(raw_floats(out), 2)
    if len(left) != frames:
        raise Failure(f"{len(left)} frames written, {frames} asked for")
    peak = max(abs(v) for v in left)
    if abs(peak - 0.5) > 0.01:
        raise Failure(f"the tone's peak is {peak}, not 0.5")
    print(f"timer: {frames} frames, peak {peak:.4f}")


GROUPS = {"passthrough": group_passthrough, "gain": group_gain, "eq": group_eq, "delay": group_delay, "meter": group_meter,
          "compressor": group_compressor, "player": group_player, "ramp": group_ramp,
          "mixer": group_mixer, "live": group_live, "timer": group_timer}


def main():
    nestbox, group = sys.argv[1], sys.argv[2]
    test = f"audio.{group}"
    ci_skip.require_program(test, "sox")
    if not os.path.exists(os.path.join(os.path.dirname(nestbox), "audio_file")):
        ci_skip.missing(test, "audio_file not built (no libsndfile)", "libsndfile1-dev")
    if os.geteuid() != 0:
        ci_skip.unsupported(test, "sealing needs root")
    with tempfile.TemporaryDirectory(prefix="nestbox-audio-") as tmp:
        os.chmod(tmp, 0o755)
        try:
            GROUPS[group](nestbox, tmp)
        except Failure as e:
            print(f"FAILED: {test}: {e}")
            sys.exit(1)
    print(f"PASSED: {test}")


if __name__ == "__main__":
    main()
