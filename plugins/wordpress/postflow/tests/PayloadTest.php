<?php
/**
 * @package PostFlow
 */

use PHPUnit\Framework\TestCase;

final class PayloadTest extends TestCase {

	protected function setUp(): void {
		$GLOBALS['postflow_fixture'] = array(
			'author' => 'Jane Doe',
			'terms'  => array(
				'category' => array( 'News &amp; Views' ),
				'post_tag' => array( 'launch' ),
			),
			'images' => array(
				7 => array( 'https://blog.example/cover.jpg', 1200, 800, false ),
				8 => array( 'https://blog.example/side.jpg', 600, 600, false ),
				9 => array( 'https://blog.example/logo.svg', 0, 0, false ),
			),
			'meta'   => array( 7 => array( '_wp_attachment_image_alt' => 'The cover' ) ),
		);
	}

	private function post( array $fields = array() ) {
		return (object) array_merge(
			array(
				'ID'                => 12,
				'post_type'         => 'post',
				'post_title'        => 'Hello &amp; <b>welcome</b>',
				'post_excerpt'      => '',
				'post_content'      => '<!-- wp:paragraph --><p>First [gallery id="1"] words.</p><!-- /wp:paragraph --><script>alert(1)</script>',
				'post_author'       => 3,
				'post_status'       => 'publish',
				'post_date_gmt'     => '2026-12-01 10:00:00',
				'post_modified_gmt' => '2026-12-02 11:30:00',
				'post_password'     => '',
			),
			$fields
		);
	}

	public function test_an_article_as_the_contract_names_it() {
		$GLOBALS['postflow_fixture']['thumbnail'] = 7;
		$event                                    = Postflow_Payload::event( 'item.published', $this->post(), array(), 1764583200 );
		$this->assertSame(
			array(
				'type'        => 'item.published',
				'occurred_at' => '2025-12-01T10:00:00Z',
				'item'        => array(
					'id'           => '12',
					'post_type'    => 'post',
					'title'        => 'Hello & welcome',
					'excerpt'      => 'First words.',
					'url'          => 'https://blog.example/?p=12',
					'image'        => array(
						'url'    => 'https://blog.example/cover.jpg',
						'alt'    => 'The cover',
						'width'  => 1200,
						'height' => 800,
					),
					'gallery'      => array(),
					'categories'   => array( 'News & Views' ),
					'tags'         => array( 'launch' ),
					'author'       => 'Jane Doe',
					'status'       => 'publish',
					'published_at' => '2026-12-01T10:00:00Z',
					'modified_at'  => '2026-12-02T11:30:00Z',
					'product'      => null,
				),
				'share'       => $event['share'],
			),
			$event
		);
		$this->assertSame( '{"enabled":true,"timing":"QUEUE","at":null,"channel_ids":[],"messages":{}}', json_encode( $event['share'] ) );
	}

	public function test_an_image_of_unknown_size_has_null_width_and_height() {
		$GLOBALS['postflow_fixture']['thumbnail'] = 9;
		$image                                    = Postflow_Payload::item( $this->post() )['image'];
		$this->assertSame( array( null, null ), array( $image['width'], $image['height'] ) );
	}

	public function test_excerpt_is_the_authors_or_the_first_55_words_and_a_draft_has_no_published_at() {
		$long = implode( ' ', array_map( 'strval', range( 1, 60 ) ) );
		$item = Postflow_Payload::item( $this->post( array( 'post_content' => $long, 'post_status' => 'draft', 'post_date_gmt' => '0000-00-00 00:00:00' ) ) );
		$this->assertSame( implode( ' ', array_map( 'strval', range( 1, 55 ) ) ) . '…', $item['excerpt'] );
		$this->assertNull( $item['published_at'] );
		$this->assertNull( $item['image'] );
		$this->assertSame( 'Mine', Postflow_Payload::item( $this->post( array( 'post_excerpt' => '<p>Mine</p>' ) ) )['excerpt'] );
	}

	public function test_a_product_carries_price_stock_image_and_gallery_from_its_getters() {
		$GLOBALS['postflow_fixture']['terms']   = array( 'product_cat' => array( 'Mugs' ) );
		$GLOBALS['postflow_fixture']['product'] = new Postflow_Test_Product(
			array(
				'get_image_id'          => '7',
				'get_gallery_image_ids' => array( 8, 99 ),
				'get_price'             => '19.99',
				'get_regular_price'     => '24.99',
				'get_sale_price'        => '19.99',
				'get_sku'               => 'MUG-1',
				'is_in_stock'           => true,
				'get_stock_quantity'    => null,
			)
		);
		$item = Postflow_Payload::item( $this->post( array( 'post_type' => 'product' ) ) );
		$this->assertSame( 'https://blog.example/cover.jpg', $item['image']['url'] );
		$this->assertSame(
			array(
				array(
					'url' => 'https://blog.example/side.jpg',
					'alt' => '',
				),
			),
			$item['gallery']
		);
		$this->assertSame( array( 'Mugs' ), $item['categories'] );
		$this->assertSame( array(), $item['tags'] );
		$this->assertSame(
			array(
				'price'          => '19.99',
				'regular_price'  => '24.99',
				'sale_price'     => '19.99',
				'currency'       => 'EUR',
				'sku'            => 'MUG-1',
				'in_stock'       => true,
				'stock_quantity' => null,
			),
			$item['product']
		);
	}

	public function test_share_block_keeps_only_what_the_contract_allows() {
		$share = Postflow_Payload::share(
			array(
				'enabled'     => false,
				'timing'      => 'LATER',
				'at'          => '2027-01-01T00:00:00Z',
				'channel_ids' => array( 5, 'ch_a' ),
				'messages'    => array(
					'BLUESKY' => 'Hi',
					'X'       => '  ',
				),
				'occurrence'  => 3,
			)
		);
		$this->assertSame( '{"enabled":false,"timing":"QUEUE","at":null,"channel_ids":["5","ch_a"],"messages":{"BLUESKY":"Hi"},"occurrence":"3"}', json_encode( $share ) );
		$this->assertSame( '2027-01-01T00:00:00Z', Postflow_Payload::share( array( 'timing' => 'AT', 'at' => '2027-01-01T00:00:00Z' ) )['at'] );
		$this->assertSame( array( 'QUEUE', null ), array_values( array_slice( Postflow_Payload::share( array( 'timing' => 'AT', 'at' => '' ) ), 1, 2 ) ) );
	}

	public function test_discriminators_of_the_idempotency_key() {
		$event = Postflow_Payload::event( 'item.updated', $this->post(), array( 'occurrence' => 2 ), 0 );
		$this->assertSame( 'published', Postflow_Payload::discriminator( 'item.published', $event ) );
		$this->assertSame( 'published', Postflow_Payload::discriminator( 'item.published', $event, 1 ) );
		$this->assertSame( 'published-2', Postflow_Payload::discriminator( 'item.published', $event, 2 ) );
		$this->assertSame( '2026-12-02T11:30:00Z', Postflow_Payload::discriminator( 'item.updated', $event, 2 ) );
		$this->assertSame( '2', Postflow_Payload::discriminator( 'item.share', $event ) );
		$this->assertSame( '2026-12-02T11:30:00Z', Postflow_Payload::discriminator( 'item.updated', $event ) );
		$this->assertSame( '2026-12-02T11:30:00Z', Postflow_Payload::discriminator( 'item.deleted', $event ) );
	}
}
