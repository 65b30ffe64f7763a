/*
 * Biquad: a second-order IIR section with the coefficients of Robert
 * Bristow-Johnson's "Audio EQ Cookbook" (peak, low/high shelf, low/high pass)
 *
 * Computed and run in double precision (transposed direct form II), so that
 * the response of a chain of sections matches the formula ('response_db')
 * far below what anyone hears; the eq filter and its tests share it.
 */
#pragma once

#include <cmath>
#include <complex>
#include <numbers>
#include <optional>
#include <string_view>

namespace nestbox::Audio {

struct Biquad
{
	enum class Type { PEAK, LOW_SHELF, HIGH_SHELF, LOW_PASS, HIGH_PASS };

	static std::optional<Type> type(std::string_view name)
	{
		if (name == "peak")       return Type::PEAK;
		if (name == "low_shelf")  return Type::LOW_SHELF;
		if (name == "high_shelf") return Type::HIGH_SHELF;
		if (name == "low_pass")   return Type::LOW_PASS;
		if (name == "high_pass")  return Type::HIGH_PASS;
		return std::nullopt;
	}

	struct Coefficients
	{
		double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;   /* normalised: a0 = 1 */

		/* The magnitude response at 'frequency', in dB */
		double response_db(double frequency, double rate) const
		{
			std::complex<double> const z1 = std::polar(1.0, -2 * std::numbers::pi * frequency / rate);
			std::complex<double> const z2 = z1 * z1;
			return 20 * std::log10(std::abs((b0 + b1 * z1 + b2 * z2) / (1.0 + a1 * z1 + a2 * z2)));
		}
	};

	/* The cookbook's coefficients; 'q' is the quality (shelves: the slope S = q) */
	static Coefficients design(Type t, double frequency, double gain_db, double q, double rate)
	{
		double const A     = std::pow(10.0, gain_db / 40);
		double const w0    = 2 * std::numbers::pi * frequency / rate;
		double const cw    = std::cos(w0), sw = std::sin(w0);
		double const alpha = t == Type::LOW_SHELF || t == Type::HIGH_SHELF
		                   ? sw / 2 * std::sqrt((A + 1 / A) * (1 / q - 1) + 2)
		                   : sw / (2 * q);
		double b0 = 1, b1 = 0, b2 = 0, a0 = 1, a1 = 0, a2 = 0;
		double const sA = 2 * std::sqrt(A) * alpha;
		switch (t) {
		case Type::PEAK:
			b0 = 1 + alpha * A; b1 = -2 * cw; b2 = 1 - alpha * A;
			a0 = 1 + alpha / A; a1 = -2 * cw; a2 = 1 - alpha / A;
			break;
		case Type::LOW_SHELF:
			b0 =     A * ((A + 1) - (A - 1) * cw + sA);
			b1 = 2 * A * ((A - 1) - (A + 1) * cw);
			b2 =     A * ((A + 1) - (A - 1) * cw - sA);
			a0 =          (A + 1) + (A - 1) * cw + sA;
			a1 =    -2 * ((A - 1) + (A + 1) * cw);
			a2 =          (A + 1) + (A - 1) * cw - sA;
			break;
		case Type::HIGH_SHELF:
			b0 =      A * ((A + 1) + (A - 1) * cw + sA);
			b1 = -2 * A * ((A - 1) + (A + 1) * cw);
			b2 =      A * ((A + 1) + (A - 1) * cw - sA);
			a0 =           (A + 1) - (A - 1) * cw + sA;
			a1 =      2 * ((A - 1) - (A + 1) * cw);
			a2 =           (A + 1) - (A - 1) * cw - sA;
			break;
		case Type::LOW_PASS:
			b0 = (1 - cw) / 2; b1 = 1 - cw; b2 = (1 - cw) / 2;
			a0 = 1 + alpha;    a1 = -2 * cw; a2 = 1 - alpha;
			break;
		case Type::HIGH_PASS:
			b0 = (1 + cw) / 2; b1 = -(1 + cw); b2 = (1 + cw) / 2;
			a0 = 1 + alpha;    a1 = -2 * cw;   a2 = 1 - alpha;
			break;
		}
		return { b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0 };
	}

	Coefficients c { };
	double s1 = 0, s2 = 0;   /* state */

	double process(double x)
	{
		double const y = c.b0 * x + s1;
		s1 = c.b1 * x - c.a1 * y + s2;
		s2 = c.b2 * x - c.a2 * y;
		return y;
	}
};

} /* namespace nestbox::Audio */
